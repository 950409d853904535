import type { Logger } from '../log';
import { backoffDelay, postJson, sleep } from './wandbHttp';
import type { PostOutcome, RetryPolicy, WandbEndpoint } from './wandbHttp';

/** Names of the run files streamed to W&B. */
export const historyFile = 'wandb-history.jsonl';
export const summaryFile = 'wandb-summary.json';
export const consoleFile = 'output.log';

/** Settings of a run's file stream. */
export interface FileStreamOptions {
  endpoint: WandbEndpoint;
  /** `{base}/files/{entity}/{project}/{run}/file_stream` */
  url: string;
  /** Lines the server already holds (non-zero when resuming a run). */
  historyOffset: number;
  consoleOffset: number;
  /** How long rows gather before a push, in ms. */
  flushIntervalMs: number;
  /** Idle time after which a heartbeat is sent, in ms. */
  heartbeatMs: number;
  /** Upper bound of lines per file in one request; a full buffer is pushed at once. */
  maxLinesPerRequest: number;
  retry: RetryPolicy;
  logger: Logger;
  /** `entity/project/run`, for messages. */
  runPath: string;
}

/** Lines of one append-only run file not yet confirmed by the server; `offset` is the server's line count. */
interface PendingLines {
  offset: number;
  lines: string[];
}

/** What a request carried, so that a confirmation or a refusal can be applied to exactly those items. */
interface Sent {
  historyLines: number;
  consoleLines: number;
  summary: string | undefined;
  complete: boolean;
}

/**
 * Streams history rows, the summary and console lines to a run's file_stream endpoint. Items are only buffered by
 * the push methods; one background request at a time delivers them in batches. Failed requests (429, 5xx,
 * network) are retried with backoff and re-send the same offsets, so the server sees neither gaps nor duplicates.
 */
export class FileStream {
  private readonly history: PendingLines;
  private readonly console: PendingLines;
  private summary: string | undefined;
  private failures = 0;
  private retryDelayMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private inFlight: Promise<unknown> | undefined;
  private closing = false;
  /** Set once the server refused (4xx) part of the data, which is then dropped. */
  private refused = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: FileStreamOptions) {
    this.history = { offset: options.historyOffset, lines: [] };
    this.console = { offset: options.consoleOffset, lines: [] };
    this.schedule();
  }

  /** Queues one serialized history row. */
  pushHistory(line: string): void {
    this.push(this.history, line);
  }

  /** Queues one console line (without trailing newline). */
  pushConsole(line: string): void {
    this.push(this.console, line);
  }

  /** Replaces the summary to send with `json` (the whole summary object, serialized). */
  setSummary(json: string): void {
    if (this.closing) return;
    this.summary = json;
    this.schedule();
  }

  /**
   * Delivers everything still buffered together with the completion mark `{complete: true, exitcode}`, retrying
   * until `timeoutMs` has passed. Whatever could not be delivered by then is named in a warning. Resolves to whether
   * everything pushed during the run's life, and the completion mark, reached the server.
   */
  async close(exitCode: number, timeoutMs: number): Promise<boolean> {
    this.closing = true;
    this.clearTimer();
    const deadline = Date.now() + timeoutMs;
    const deadlineTimer = setTimeout(() => this.abort.abort(), timeoutMs);
    try {
      await this.inFlight;
      let finished = false;
      while (!finished && Date.now() < deadline) {
        const { sent, outcome } = await this.sendOnce(exitCode);
        if (outcome.kind === 'retry') {
          await sleep(Math.min(this.retryDelayMs, Math.max(0, deadline - Date.now())), this.abort.signal, true);
        } else {
          finished = sent.complete;
        }
      }
      if (!finished) {
        this.options.logger.warn(
          `W&B: could not finish run ${this.options.runPath} within ${timeoutMs / 1000} s; not delivered: ${this.describeUndelivered(true)}`,
        );
      }
      return finished && !this.refused;
    } finally {
      clearTimeout(deadlineTimer);
    }
  }

  private push(file: PendingLines, line: string): void {
    if (this.closing) return;
    file.lines.push(line);
    this.schedule();
  }

  private hasData(): boolean {
    return this.history.lines.length > 0 || this.console.lines.length > 0 || this.summary !== undefined;
  }

  /** Arms the timer for the next request unless one is running or an earlier one is already armed. */
  private schedule(): void {
    if (this.closing || this.inFlight) return;
    const full = Math.max(this.history.lines.length, this.console.lines.length) >= this.options.maxLinesPerRequest;
    let delay: number;
    if (this.failures > 0) delay = this.retryDelayMs;
    else if (full) delay = 0;
    else if (this.hasData()) delay = this.options.flushIntervalMs;
    else delay = this.options.heartbeatMs;
    const due = Date.now() + delay;
    if (this.timer && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = setTimeout(() => this.tick(), delay);
    // Background pushes must not keep the process alive; close() delivers what is left.
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  private tick(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    this.inFlight = this.sendOnce(undefined).finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
  }

  /** Sends one request: buffered items (a heartbeat when there are none), plus the completion mark when closing. */
  private async sendOnce(exitCode: number | undefined): Promise<{ sent: Sent; outcome: PostOutcome }> {
    const max = this.options.maxLinesPerRequest;
    const sent: Sent = {
      historyLines: Math.min(this.history.lines.length, max),
      consoleLines: Math.min(this.console.lines.length, max),
      summary: this.summary,
      complete: false,
    };
    const files: Record<string, { offset: number; content: string[] }> = {};
    if (sent.historyLines > 0) files[historyFile] = { offset: this.history.offset, content: this.history.lines.slice(0, sent.historyLines) };
    if (sent.summary !== undefined) files[summaryFile] = { offset: 0, content: [sent.summary] };
    if (sent.consoleLines > 0) files[consoleFile] = { offset: this.console.offset, content: this.console.lines.slice(0, sent.consoleLines) };
    const body: Record<string, unknown> = {};
    if (Object.keys(files).length > 0) body.files = files;
    const rest = this.history.lines.length - sent.historyLines + this.console.lines.length - sent.consoleLines;
    if (exitCode !== undefined && rest === 0) {
      sent.complete = true;
      body.complete = true;
      body.exitcode = exitCode;
    } else if (body.files === undefined) {
      body.complete = false;
      body.failed = false;
    }
    const outcome = await postJson(this.options.endpoint, this.options.url, body, this.abort.signal);
    this.apply(sent, outcome);
    return { sent, outcome };
  }

  private apply(sent: Sent, outcome: PostOutcome): void {
    const { logger, runPath } = this.options;
    if (outcome.kind === 'retry') {
      this.failures += 1;
      this.retryDelayMs = outcome.retryAfterMs ?? backoffDelay(this.failures, this.options.retry);
      const note = `W&B file stream for ${runPath} failed (${outcome.reason}); keeping ${this.describeUndelivered(false) || 'nothing'} buffered, retry ${this.failures} in ${(this.retryDelayMs / 1000).toFixed(1)} s`;
      if (this.failures === 1) logger.warn(note);
      else logger.debug(note);
      return;
    }
    if (this.failures > 0) logger.info(`W&B file stream for ${runPath} delivered again after ${this.failures} failed attempt(s)`);
    this.failures = 0;
    const delivered = outcome.kind === 'ok';
    if (!delivered) {
      this.refused = true;
      const what = describeItems(sent.historyLines, sent.consoleLines, sent.summary !== undefined, sent.complete);
      logger.warn(`W&B refused data for ${runPath} (${outcome.reason}); not delivered: ${what || 'a heartbeat'}`);
    }
    this.history.lines.splice(0, sent.historyLines);
    this.console.lines.splice(0, sent.consoleLines);
    if (delivered) {
      this.history.offset += sent.historyLines;
      this.console.offset += sent.consoleLines;
    }
    if (this.summary === sent.summary) this.summary = undefined;
  }

  private describeUndelivered(complete: boolean): string {
    return describeItems(this.history.lines.length, this.console.lines.length, this.summary !== undefined, complete);
  }
}

function describeItems(historyLines: number, consoleLines: number, summary: boolean, complete: boolean): string {
  const parts: string[] = [];
  if (historyLines > 0) parts.push(`${historyLines} history row(s)`);
  if (consoleLines > 0) parts.push(`${consoleLines} log line(s)`);
  if (summary) parts.push('the summary');
  if (complete) parts.push('the completion mark');
  return parts.join(', ');
}
