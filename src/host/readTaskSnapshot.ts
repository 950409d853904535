import { type BatchPlace, type BatchSummary, noCommittedEstimate, type TaskSnapshot } from '../shared/taskSnapshot';
import { EngineError } from '../shared/errors';
import { parseJsonColumn } from '../engine/db/json';
import type { TaskDb } from '../engine/db/taskDb';
import type { SampleCounts } from '../engine/taskManager/taskState';
import { readWandbLink } from './wandbLink';
import { latestPilotForecast, pilotsCost } from '../engine/db/pilotForecasts';
import { type TaskFiles, withTaskDb } from './taskDbReads';
import { RequesterRecords } from '../engine/db/requesterRecords';
import { type EstimateOptions, readCommittedEstimate } from './committedEstimate';

export type { TaskFiles } from './taskDbReads';

/** Processed batches listed per task; older ones are only counted. */
export const historyTailLength = 50;

type BatchRow = {
  kind: 'batch' | 'direct';
  id: number;
  place: 'local' | 'remote' | 'processed';
  remote_batch_id: string | null;
  status: string;
  num_requests: number;
  estimated_cost: number;
  true_cost: number | null;
  record: string;
};

/**
 * The task's summary; a task that never ran gives `started: false` and zero counts. What is committed and not
 * processed is estimated with `options`, the resolved options of a run of the task.
 */
export async function readTaskSnapshot(task: TaskFiles, options: EstimateOptions): Promise<TaskSnapshot> {
  const empty: TaskSnapshot = {
    ...task,
    started: false,
    queuedRequests: 0,
    taskCost: 0,
    queuedEstimate: 0,
    estimate: noCommittedEstimate,
    pilotsCost: 0,
    batches: [],
    olderProcessed: 0,
    samples: { committed: 0, succeeded: 0, failed: 0, pending: 0 },
  };
  const wandbUrl = await readWandbLink(task.taskDir, task.prefix);
  if (wandbUrl !== undefined) empty.wandbUrl = wandbUrl;
  try {
    return withTaskDb(task, (db) => {
      if (db === undefined) return empty;
      const counts = db.get<{ sample_counts: string }>('SELECT sample_counts FROM task');
      const samples = counts === undefined ? undefined : (parseJsonColumn(db.file, 'task.sample_counts', counts.sample_counts) as SampleCounts);
      const requester = db.get<{ state: string }>('SELECT state FROM requester');
      const state = requester === undefined ? undefined : (parseJsonColumn(db.file, 'requester.state', requester.state) as { metrics?: { all?: { total?: { true_cost?: number } } } });
      const active = db.all<BatchRow>("SELECT * FROM batches WHERE place <> 'processed' ORDER BY id");
      const processed = db.all<BatchRow>(`SELECT * FROM batches WHERE place = 'processed' ORDER BY processed_seq DESC LIMIT ${historyTailLength}`);
      const processedCount = db.get<{ n: number }>("SELECT count(*) AS n FROM batches WHERE place = 'processed'")?.n ?? 0;
      const queued = db.get<{ n: number }>('SELECT count(*) AS n FROM requests WHERE batch_id IS NULL')?.n ?? 0;
      const pilotForecast = latestPilotForecast(db);
      const estimate = readCommittedEstimate(db, new RequesterRecords(db, task.taskDir, task.prefix), options) ?? noCommittedEstimate;
      return {
        ...empty,
        ...(pilotForecast === undefined ? {} : { pilotForecast }),
        started: samples !== undefined,
        queuedRequests: queued,
        taskCost: state?.metrics?.all?.total?.true_cost ?? 0,
        queuedEstimate: estimate.queue + estimate.local + estimate.remote,
        estimate,
        pilotsCost: pilotsCost(db),
        batches: [...active.map((b) => batchSummary(db, b)), ...processed.map((b) => batchSummary(db, b))],
        olderProcessed: processedCount - processed.length,
        samples:
          samples === undefined
            ? empty.samples
            : { committed: samples.committed, succeeded: samples.succeeded + samples.mixed, failed: samples.failed + samples.mixed, pending: samples.pending },
      };
    });
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { ...empty, started: true, error: error.message };
  }
}

const finishTimes = ['completed_at', 'failed_at', 'expired_at', 'cancelled_at'] as const;

function batchSummary(db: TaskDb, row: BatchRow): BatchSummary {
  const place: BatchPlace = row.kind === 'direct' ? 'direct' : row.place;
  const record = parseJsonColumn(db.file, `batches.record of batch ${row.id}`, row.record) as {
    remote?: { batch?: { request_counts?: { completed?: unknown; failed?: unknown } } & Partial<Record<(typeof finishTimes)[number], unknown>> } | null;
    metrics?: { succeeded?: { num_requests?: number }; failed?: { num_requests?: number } };
  };
  const counts: { completed?: number; failed?: number } = {};
  if (row.place === 'processed') {
    if (typeof record.metrics?.succeeded?.num_requests === 'number') counts.completed = record.metrics.succeeded.num_requests;
    if (typeof record.metrics?.failed?.num_requests === 'number') counts.failed = record.metrics.failed.num_requests;
  } else {
    const live = record.remote?.batch?.request_counts;
    if (typeof live?.completed === 'number') counts.completed = live.completed;
    if (typeof live?.failed === 'number') counts.failed = live.failed;
  }
  const remoteBatch = row.place === 'remote' ? record.remote?.batch : undefined;
  const finishedAt = Math.max(0, ...finishTimes.map((key) => (typeof remoteBatch?.[key] === 'number' ? (remoteBatch[key] as number) : 0)));
  return {
    place,
    id: row.id,
    numRequests: row.num_requests,
    status: row.status,
    ...(row.remote_batch_id === null ? {} : { remoteId: row.remote_batch_id }),
    ...counts,
    estimatedCost: row.estimated_cost,
    ...(row.true_cost === null ? {} : { trueCost: row.true_cost }),
    ...(finishedAt > 0 ? { finishedAt } : {}),
    hasRequests: true,
  };
}
