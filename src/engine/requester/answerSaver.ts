import type { ResultInfo } from './results';

/** The longest an answer waits for the transaction that stores it. */
const answerGroupMs = 10;

interface Waiting {
  result: ResultInfo;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Stores direct answers in groups: one transaction for the answers that arrive within `answerGroupMs`, or at once when
 * every request in flight is waiting for its answer to be stored. `store` resolves once the answer is committed, so a
 * request counts as done (and its slot is free for the next one) only with its answer on disk: an interruption loses
 * at most the answers in flight, and none is paid for twice.
 */
export class AnswerSaver {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param write stores a group of answers in one transaction
   * @param inFlight how many requests hold a slot now (those sending and those waiting here)
   */
  constructor(
    private readonly write: (results: readonly ResultInfo[]) => void,
    private readonly inFlight: () => number,
  ) {}

  /** Resolves once `result` is committed; rejects if its transaction fails. */
  store(result: ResultInfo): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ result, resolve, reject });
      if (this.waiting.length >= this.inFlight()) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), answerGroupMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    try {
      this.write(group.map((w) => w.result));
    } catch (error) {
      for (const w of group) w.reject(error);
      return;
    }
    for (const w of group) w.resolve();
  }
}
