/** Logs only the first `showMsgs` of a run of similar messages, then one summary of how many were left out. */
export class LogSummarizer {
  private count = 0;

  constructor(
    private readonly logFn: (message: string) => void,
    private readonly showMsgs: number,
  ) {}

  /** Counts the message and logs it if fewer than `showMsgs` came before; returns whether it was logged. */
  log(message: string): boolean {
    this.count += 1;
    if (this.count > this.showMsgs) return false;
    this.logFn(message);
    return true;
  }

  /** Logs `msgFn(omitted, total)` once if any message was left out. */
  finalize(msgFn: (omitted: number, total: number) => string): void {
    if (this.count > this.showMsgs) this.logFn(msgFn(this.count - this.showMsgs, this.count));
  }

  /** Starts counting again from zero. */
  reset(): void {
    this.count = 0;
  }
}
