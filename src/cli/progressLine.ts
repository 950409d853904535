import { finishedShare, type TaskEvent } from '../shared/taskEvent';

/** Events can come by the hundred per second (direct requests); the line is redrawn at most this often. */
const minRedrawMs = 100;

/** Where the run started from: when the line got its first event, and how many samples were finished then. */
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
function progressPart(event: TaskEvent, start: RunStart, nowMs: number): string {
  const { committed, pending } = event.samples;
  const finished = committed - pending;
  const share = committed > 0 ? `${(100 * finishedShare(event.samples)).toFixed(1)}% (${finished}/${committed})` : 'no samples yet';
  const perMs = (finished - start.finished) / (nowMs - start.atMs);
  const eta = perMs > 0 && Number.isFinite(perMs) ? `ETA ${formatEta(pending / perMs / 1000)}` : 'ETA —';
  return `${share}, ${eta}`;
}

/** The one-line summary of a running task: progress, samples, queue, batches (with remote progress) and costs. */
export function progressText(event: TaskEvent, start: RunStart, nowMs: number): string {
  const s = event.samples;
  const local = event.batches.filter((b) => b.place === 'local').length;
  const remote = event.batches
    .filter((b) => b.place === 'remote')
    .map((b) => `#${b.id} ${b.status}${b.completed !== undefined ? ` ${b.completed + (b.failed ?? 0)}/${b.numRequests}` : ''}`);
  const { session, task, queued } = event.cost;
  return (
    `${event.task}: ${progressPart(event, start, nowMs)} | ${s.succeeded} succeeded, ${s.failed} failed, ${s.pending} pending | ${event.queuedRequests} queued, ${local} local batches | ` +
    `remote: ${remote.length > 0 ? remote.join(', ') : 'none'}${event.directConcurrency !== undefined ? ` | direct: ${event.directConcurrency} in flight` : ''} | cost ${session.toFixed(3)} session, ${task.toFixed(3)} task, ${queued.toFixed(3)} queued`
  );
}

/**
 * A live status line at the bottom of a terminal, drawn from the engine's events (at most every `minRedrawMs`; the
 * last event of a burst is always drawn). Log lines clear it before they are written (`clear`) and draw it again below
 * them (`redraw`).
 */
export class ProgressLine {
  private shown = false;
  private latest: TaskEvent | undefined;
  private runStart: RunStart | undefined;
  private lastDrawMs = -Infinity;
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes the engine's newest state and redraws the line with it. */
  readonly update = (event: TaskEvent): void => {
    this.latest = event;
    this.runStart ??= { atMs: this.clock(), finished: event.samples.committed - event.samples.pending };
    this.redraw();
  };

  /** Draws the line again (after a log line cleared it), at once or when the redraw interval has passed. */
  redraw(): void {
    if (this.pending !== undefined || this.latest === undefined) return;
    const wait = this.lastDrawMs + minRedrawMs - this.clock();
    if (wait <= 0) {
      this.draw();
      return;
    }
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.draw();
    }, wait);
    this.pending.unref();
  }

  /** Erases the line (before a log line is written). */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\x1b[2K\r');
    this.shown = false;
  }

  stop(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.clear();
  }

  private draw(): void {
    if (this.latest === undefined || this.runStart === undefined) return;
    const now = this.clock();
    this.lastDrawMs = now;
    const text = progressText(this.latest, this.runStart, now);
    const width = (this.stream.columns ?? 120) - 1;
    this.stream.write(`\x1b[2K\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }
}
