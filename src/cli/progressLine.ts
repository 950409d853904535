import { readTaskSnapshot, type TaskFiles } from '../host/readTaskSnapshot';
import type { TaskSnapshot } from '../shared/taskSnapshot';

/** How often the live line re-reads the task's files. */
const refreshMs = 1000;

/** The one-line summary of a running task: samples, queue, batches (with remote states) and costs. */
export function progressText(snapshot: TaskSnapshot, sessionCost: number): string {
  const s = snapshot.samples;
  const local = snapshot.batches.filter((b) => b.place === 'local').length;
  const remote = snapshot.batches
    .filter((b) => b.place === 'remote')
    .map((b) => `#${b.id} ${b.status}${b.completed !== undefined ? ` ${b.completed + (b.failed ?? 0)}/${b.numRequests}` : ''}`);
  return (
    `${snapshot.name}: ${s.succeeded} succeeded, ${s.failed} failed, ${s.pending} pending | ${snapshot.queuedRequests} queued, ${local} local batches | ` +
    `remote: ${remote.length > 0 ? remote.join(', ') : 'none'} | cost ${sessionCost.toFixed(3)} session, ${snapshot.taskCost.toFixed(3)} task, ${snapshot.queuedEstimate.toFixed(3)} queued`
  );
}

/**
 * A live status line at the bottom of a terminal, redrawn every second from the task's files. Log lines clear it
 * before they are written (`clear`), and the next refresh draws it again below them.
 */
export class ProgressLine {
  private shown = false;
  private startCost: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly files: TaskFiles,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), refreshMs);
    this.timer.unref();
  }

  /** Erases the line (before a log line is written). */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\x1b[2K\r');
    this.shown = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private async refresh(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const snapshot = await readTaskSnapshot(this.files);
      if (!snapshot.started || snapshot.error !== undefined) return;
      this.startCost ??= snapshot.taskCost;
      const text = progressText(snapshot, snapshot.taskCost - this.startCost);
      const width = (this.stream.columns ?? 120) - 1;
      this.stream.write(`\x1b[2K\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      this.shown = true;
    } catch {
      // The files are read while the engine writes them; a torn read is simply skipped until the next refresh.
    } finally {
      this.reading = false;
    }
  }
}
