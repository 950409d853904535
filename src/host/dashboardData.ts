import { costAll } from '../engine/requester/accounting';
import { parseJsonColumn } from '../engine/db/json';
import { TaskDb, taskDbPath } from '../engine/db/taskDb';
import type { SampleCounts } from '../engine/taskManager/taskState';
import type { CapUsage, CompletionRatios, DashboardBatch, DashboardData, ProgressPoint } from '../shared/dashboard';
import type { RequesterOptions } from '../shared/options';
import type { PushStats } from '../shared/requesterState';
import { resolveTaskOptions } from './resolvedOptions';
import { taskFileInvocation } from './runTask';

/**
 * Reads what the task dashboard draws from a task's database, read-only and without the task lock. Every query is
 * bounded, whatever the size of the task: the progress series has one row per processed batch, the batch list is
 * the active batches and a tail of the processed ones, and completion ratios come from an evenly spread sample.
 */

/** Processed batches listed on the timeline and the cost chart; older ones are only counted. */
export const dashboardBatchLimit = 200;
/** Points of the progress series at most; more processed batches are thinned evenly. */
export const progressPointLimit = 400;
/** Answered requests read for the completion-ratio distribution at most. */
export const completionRatioSample = 4000;
/** Bins of the completion-ratio distribution over [0, 1]. */
export const completionRatioBins = 20;

/** The cost caps of a task's options that the dashboard compares spend against. */
export type CostCaps = Pick<RequesterOptions, 'max_task_cost' | 'max_session_cost' | 'max_batch_cost' | 'max_remote_cost' | 'max_direct_cost'>;

type BatchRow = {
  kind: 'batch' | 'direct';
  id: number;
  place: 'local' | 'remote' | 'processed';
  status: string;
  num_requests: number;
  estimated_cost: number;
  true_cost: number | null;
  created_at: number;
  finished_at: number | null;
};

type ProcessedRow = { at: number; succeeded: number | null; failed: number | null };

/** The dashboard of the task `task` whose files are in `taskDir`; a task that never ran gives `started: false`. */
export function readDashboardData(taskDir: string, task: string, caps: CostCaps, readAt = Date.now() / 1000): DashboardData {
  const db = TaskDb.openReadonly(taskDbPath(taskDir));
  if (db === undefined) return emptyDashboard(task, caps, readAt);
  try {
    const counts = db.get<{ sample_counts: string }>('SELECT sample_counts FROM task');
    if (counts === undefined) return emptyDashboard(task, caps, readAt);
    const samples = parseJsonColumn(db.file, 'task.sample_counts', counts.sample_counts) as SampleCounts;
    const requester = db.get<{ state: string }>('SELECT state FROM requester');
    const state = requester === undefined ? undefined : (parseJsonColumn(db.file, 'requester.state', requester.state) as RequesterCounters);
    const batches = readBatches(db);
    return {
      task,
      started: true,
      readAt,
      samples: { committed: samples.committed, succeeded: samples.succeeded + samples.mixed, failed: samples.failed + samples.mixed, pending: samples.pending },
      trueCost: state?.metrics?.all?.total?.true_cost ?? 0,
      progress: readProgress(db),
      caps: capUsage(caps, state?.task_push_stats, batches.listed),
      batches: batches.listed,
      olderBatches: batches.older,
      completionRatios: readCompletionRatios(db, state?.metrics?.all?.total?.num_requests ?? 0),
    };
  } finally {
    db.close();
  }
}

/** The dashboard of a task of a task file: resolves the task's directory and caps from the file and `env`. */
export async function taskDashboard(file: string, task: string, env: NodeJS.ProcessEnv): Promise<DashboardData> {
  const options = resolveTaskOptions(await taskFileInvocation(file, task, {}, 'the editor'), env);
  return readDashboardData(options.taskDir, task, options.requester);
}

interface RequesterCounters {
  task_push_stats?: PushStats;
  metrics?: { all?: { total?: { true_cost?: number; num_requests?: number } } };
}

function emptyDashboard(task: string, caps: CostCaps, readAt: number): DashboardData {
  return {
    task,
    started: false,
    readAt,
    samples: { committed: 0, succeeded: 0, failed: 0, pending: 0 },
    trueCost: 0,
    progress: [],
    caps: capUsage(caps, undefined, []),
    batches: [],
    olderBatches: 0,
    completionRatios: { bins: new Array<number>(completionRatioBins).fill(0), counted: 0, answered: 0 },
  };
}

const batchColumns = `kind, id, place, status, num_requests, estimated_cost, true_cost, created_at,
  CASE WHEN place = 'processed' THEN json_extract(record, '$.finished_at') END AS finished_at`;

function readBatches(db: TaskDb): { listed: DashboardBatch[]; older: number } {
  const active = db.all<BatchRow>(`SELECT ${batchColumns} FROM batches WHERE place <> 'processed'`);
  const processed = db.all<BatchRow>(`SELECT ${batchColumns} FROM batches WHERE place = 'processed' ORDER BY processed_seq DESC LIMIT ${dashboardBatchLimit}`);
  const processedCount = db.get<{ n: number }>("SELECT count(*) AS n FROM batches WHERE place = 'processed'")?.n ?? 0;
  const listed = [...processed.reverse(), ...active].map(dashboardBatch);
  return { listed, older: processedCount - processed.length };
}

function dashboardBatch(row: BatchRow): DashboardBatch {
  const pushed = row.kind === 'direct' || row.place !== 'local';
  return {
    kind: row.kind,
    id: row.id,
    place: row.place,
    status: row.status,
    numRequests: row.num_requests,
    ...(pushed ? { pushedAt: row.created_at } : {}),
    // A batch that failed before the provider ran it has no finish time (0); it is drawn as a point at its push.
    ...(row.finished_at !== null && row.finished_at > 0 ? { finishedAt: row.finished_at } : {}),
    estimatedCost: row.estimated_cost,
    ...(row.true_cost === null ? {} : { trueCost: row.true_cost }),
  };
}

/** Requests finished over time, cumulative, from the processing time and result counts of every processed batch. */
function readProgress(db: TaskDb): ProgressPoint[] {
  const rows = db.all<ProcessedRow>(
    `SELECT json_extract(record, '$.processed_at') AS at, json_extract(record, '$.metrics.succeeded.num_requests') AS succeeded,
       json_extract(record, '$.metrics.failed.num_requests') AS failed
     FROM batches WHERE place = 'processed' ORDER BY processed_seq`,
  );
  if (rows.length === 0) return [];
  const firstPush = db.get<{ at: number }>("SELECT min(created_at) AS at FROM batches WHERE place = 'processed'")?.at ?? (rows[0] as ProcessedRow).at;
  const points: ProgressPoint[] = [];
  let succeeded = 0;
  let failed = 0;
  for (const row of rows) {
    succeeded += row.succeeded ?? 0;
    failed += row.failed ?? 0;
    points.push({ at: row.at, succeeded, failed });
  }
  // The series starts from nothing when the first processed batch was pushed, so the first batch's work shows too.
  return [{ at: Math.min(firstPush, (rows[0] as ProcessedRow).at), succeeded: 0, failed: 0 }, ...thinned(points, progressPointLimit - 1)];
}

/** At most `limit` points, evenly spread, always keeping the last one (the current total). */
function thinned<T>(points: T[], limit: number): T[] {
  if (points.length <= limit) return points;
  const step = points.length / limit;
  return Array.from({ length: limit }, (_, i) => points[Math.min(points.length - 1, Math.round((i + 1) * step) - 1)] as T);
}

function capUsage(caps: CostCaps, pushed: PushStats | undefined, batches: DashboardBatch[]): CapUsage[] {
  const active = batches.filter((b) => b.kind === 'batch' && b.place !== 'processed');
  const direct = batches.filter((b) => b.kind === 'direct');
  const largest = (list: DashboardBatch[]) => list.reduce((most, b) => Math.max(most, b.estimatedCost), 0);
  const inFlight = active.filter((b) => b.place === 'remote').reduce((sum, b) => sum + b.estimatedCost, 0);
  const taskUsed = pushed === undefined ? 0 : costAll(pushed.total_tokens_cost);
  return [
    { option: 'max_task_cost', label: 'true cost of the processed batches and the estimates of those in flight, over the whole task', limit: caps.max_task_cost, used: taskUsed, reserved: Math.min(inFlight, taskUsed) },
    { option: 'max_session_cost', label: 'true and reserved cost of what one run pushed', limit: caps.max_session_cost },
    { option: 'max_remote_cost', label: 'estimated cost of the batches at the provider now', limit: caps.max_remote_cost, used: inFlight, reserved: inFlight },
    { option: 'max_batch_cost', label: 'estimated cost of the largest active batch', limit: caps.max_batch_cost, used: largest(active) },
    { option: 'max_direct_cost', label: 'estimated cost of the largest recent direct group', limit: caps.max_direct_cost, used: largest(direct) },
  ];
}

/**
 * The distribution of completion tokens over `max_output_tokens` of answered requests. On a large task it is counted
 * from requests spread evenly over the answered id range, looked up by primary key, so it costs the same at any size.
 */
function readCompletionRatios(db: TaskDb, answered: number): CompletionRatios {
  const bins = new Array<number>(completionRatioBins).fill(0);
  const range = db.get<{ low: number | null; high: number | null }>(
    // Two subqueries: SQLite answers a lone min() or max() from the primary key, but scans the table for both at once.
    'SELECT (SELECT min(request_id) FROM results) AS low, (SELECT max(request_id) FROM results) AS high',
  );
  if (range === undefined || range.low === null || range.high === null) return { bins, counted: 0, answered };
  const span = range.high - range.low + 1;
  const step = Math.max(1, Math.floor(span / completionRatioSample));
  const rows = db.all<{ ratio: number | null }>(
    `WITH RECURSIVE pick(id) AS (SELECT ? UNION ALL SELECT id + ? FROM pick WHERE id + ? <= ?)
     SELECT CAST(coalesce(json_extract(s.usage, '$.completion_tokens'), json_extract(s.usage, '$.output_tokens')) AS REAL) / r.max_output_tokens AS ratio
     FROM pick JOIN results s ON s.request_id = pick.id JOIN requests r ON r.id = s.request_id
     WHERE s.processed = 1 AND s.usage IS NOT NULL AND r.max_output_tokens > 0`,
    range.low,
    step,
    step,
    range.high,
  );
  let counted = 0;
  let sum = 0;
  for (const { ratio } of rows) {
    if (ratio === null) continue;
    const clamped = Math.min(1, Math.max(0, ratio));
    const bin = Math.min(completionRatioBins - 1, Math.floor(clamped * completionRatioBins));
    bins[bin] = (bins[bin] ?? 0) + 1;
    counted += 1;
    sum += clamped;
  }
  return { bins, counted, answered: Math.max(answered, counted), ...(counted > 0 ? { mean: sum / counted } : {}) };
}
