import { readTaskSnapshot, type TaskFiles } from '../host/readTaskSnapshot';
import type { TaskSnapshot } from '../shared/taskSnapshot';

/** How often the live line re-reads the task's files. */
const refreshMs = 1000;

/** Where the run started from: when the line first read the task, and how many samples were finished then. */
export interface RunStart {
  atMs: number;
  finished: number;
}

/** A duration to go, to the second under an hour and to the minute beyond: `45s`, `12m 05s`, `3h 07m`, `2d 04h`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  const minutes = Math.round(s / 60);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)}h ${pad(minutes % 60)}m`;
  const hours = Math.round(s / 3600);
  return `${Math.floor(hours / 24)}d ${pad(hours % 24)}h`;
}

/**
 * The share of committed samples finished, and the time left at the rate samples finished since the run started:
 * "ETA —" until a sample has finished in this run (batches finish samples in bursts, so early rates are rough).
 */
function progressPart(snapshot: TaskSnapshot, start: RunStart, nowMs: number): string {
  const { committed, pending } = snapshot.samples;
  const finished = committed - pending;
  const share = committed > 0 ? `${((100 * finished) / committed).toFixed(1)}% (${finished}/${committed})` : 'no samples yet';
  const perMs = (finished - start.finished) / (nowMs - start.atMs);
  const eta = perMs > 0 && Number.isFinite(perMs) ? `ETA ${formatEta(pending / perMs / 1000)}` : 'ETA —';
  return `${share}, ${eta}`;
}

/** The one-line summary of a running task: progress, samples, queue, batches (with remote progress) and costs. */
export function progressText(snapshot: TaskSnapshot, sessionCost: number, start: RunStart, nowMs: number): string {
  const s = snapshot.samples;
  const local = snapshot.batches.filter((b) => b.place === 'local').length;
  const remote = snapshot.batches
    .filter((b) => b.place === 'remote')
    .map((b) => `#${b.id} ${b.status}${b.completed !== undefined ? ` ${b.completed + (b.failed ?? 0)}/${b.numRequests}` : ''}`);
  return (
    `${snapshot.name}: ${progressPart(snapshot, start, nowMs)} | ${s.succeeded} succeeded, ${s.failed} failed, ${s.pending} pending | ${snapshot.queuedRequests} queued, ${local} local batches | ` +
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
  private runStart: RunStart | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly files: TaskFiles,
    private readonly clock: () => number = Date.now,
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
      const now = this.clock();
      this.runStart ??= { atMs: now, finished: snapshot.samples.committed - snapshot.samples.pending };
      const text = progressText(snapshot, snapshot.taskCost - this.startCost, this.runStart, now);
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
