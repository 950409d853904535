/** Where progress is drawn: stderr, or a test's stand-in. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): boolean;
}

/** Files estimated faster than this show no progress at all. */
const quietMs = 1000;
const redrawMs = 250;

/**
 * A `12,345 lines, 51,234 lines/s` line on a terminal, shown once an estimate has taken a second, and erased when
 * it ends or before other text is written to the same terminal. Nothing at all when the stream is not a terminal.
 */
export class EstimateProgress {
  private readonly started: number;
  private drawnAt: number | undefined;
  private shown = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Called as lines are estimated; redraws a few times a second at most. */
  update(lines: number): void {
    if (!this.stream.isTTY) return;
    const now = this.now();
    const elapsed = now - this.started;
    if (elapsed < quietMs || (this.drawnAt !== undefined && now - this.drawnAt < redrawMs)) return;
    this.drawnAt = now;
    const rate = Math.round((lines * 1000) / elapsed);
    this.stream.write(`\x1b[2K\restimating: ${lines.toLocaleString('en-US')} lines, ${rate.toLocaleString('en-US')} lines/s`);
    this.shown = true;
  }

  /** Erases the line; the next update draws it again. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\x1b[2K\r');
    this.shown = false;
  }
}
