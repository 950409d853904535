import type { BatchPlace, BatchSummary, DocumentRef, Page, PageSource, SampleGroup, TaskSnapshot } from '../shared/taskSnapshot';
import { EngineError, InvalidInputError } from '../shared/errors';
import { parseJsonColumn } from '../engine/db/json';
import { TaskDb, taskDbPath } from '../engine/db/taskDb';
import type { SampleCounts } from '../engine/taskManager/taskState';
import { readWandbLink } from './wandbLink';

/**
 * Reads a task's database for display, read-only and without the task lock: a run may be writing it meanwhile, and
 * every read sees the last committed unit of work.
 */

/** Processed batches listed per task; older ones are only counted. */
export const historyTailLength = 50;

/** Where a task's files are. */
export interface TaskFiles {
  name: string;
  taskDir: string;
  prefix: string;
}

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

/** The task's summary; a task that never ran gives `started: false` and zero counts. */
export async function readTaskSnapshot(task: TaskFiles): Promise<TaskSnapshot> {
  const empty: TaskSnapshot = {
    ...task,
    started: false,
    queuedRequests: 0,
    taskCost: 0,
    queuedEstimate: 0,
    batches: [],
    olderProcessed: 0,
    samples: { committed: 0, succeeded: 0, failed: 0, pending: 0 },
  };
  const wandbUrl = await readWandbLink(task.taskDir, task.prefix);
  if (wandbUrl !== undefined) empty.wandbUrl = wandbUrl;
  try {
    return withDb(task, (db) => {
      if (db === undefined) return empty;
      const counts = db.get<{ sample_counts: string }>('SELECT sample_counts FROM task');
      const samples = counts === undefined ? undefined : (parseJsonColumn(db.file, 'task.sample_counts', counts.sample_counts) as SampleCounts);
      const requester = db.get<{ state: string }>('SELECT state FROM requester');
      const state = requester === undefined ? undefined : (parseJsonColumn(db.file, 'requester.state', requester.state) as { metrics?: { all?: { total?: { true_cost?: number } } } });
      const active = db.all<BatchRow>("SELECT * FROM batches WHERE place <> 'processed' ORDER BY id");
      const processed = db.all<BatchRow>(`SELECT * FROM batches WHERE place = 'processed' ORDER BY processed_seq DESC LIMIT ${historyTailLength}`);
      const processedCount = db.get<{ n: number }>("SELECT count(*) AS n FROM batches WHERE place = 'processed'")?.n ?? 0;
      const queued = db.get<{ n: number }>('SELECT count(*) AS n FROM requests WHERE batch_id IS NULL')?.n ?? 0;
      return {
        ...empty,
        started: samples !== undefined,
        queuedRequests: queued,
        taskCost: state?.metrics?.all?.total?.true_cost ?? 0,
        queuedEstimate: active.reduce((sum, b) => sum + b.estimated_cost, 0),
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

/** A page of the requests of a batch, or of the keys of a sample group. */
export async function readTaskPage(task: TaskFiles, source: PageSource, offset: number, limit: number): Promise<Page> {
  return withStartedDb(task, (db) => {
    if (source.kind === 'samples') {
      const where = sampleWhere(source.group);
      const total = db.get<{ n: number }>(`SELECT count(*) AS n FROM samples WHERE ${where}`)?.n ?? 0;
      const keys = db.all<{ key: string }>(`SELECT key FROM samples WHERE ${where} ORDER BY key LIMIT ? OFFSET ?`, limit, offset);
      return { total, items: keys.map(({ key }) => ({ key, label: key })) };
    }
    const [kind, id] = batchKey(source.place, source.id);
    const total = db.get<{ n: number }>('SELECT count(*) AS n FROM requests WHERE batch_kind = ? AND batch_id = ?', kind, id)?.n ?? 0;
    const rows = db.all<{ id: number; meta: string | null }>('SELECT id, meta FROM requests WHERE batch_kind = ? AND batch_id = ? ORDER BY id LIMIT ? OFFSET ?', kind, id, limit, offset);
    return { total, items: rows.map((r) => ({ key: String(r.id), label: `id-${r.id}`, ...(r.meta ? { description: r.meta } : {}) })) };
  });
}

/** The JSON of a request (as sent to the provider, with the engine's info and its result) or of a sample's state. */
export async function readTaskDocument(task: TaskFiles, ref: DocumentRef): Promise<unknown> {
  return withStartedDb(task, (db) => {
    if (ref.kind === 'sample') {
      const row = db.get<{ committed: string | null; succeeded: string | null; failed: string | null }>(
        `SELECT committed, succeeded, failed FROM samples WHERE key = ? AND ${sampleWhere(ref.group)}`,
        ref.key,
      );
      if (row === undefined) throw new InvalidInputError(`Task '${task.name}' has no ${ref.group} sample '${ref.key}'`);
      const column = ref.group === 'pending' ? row.committed : ref.group === 'succeeded' ? row.succeeded : row.failed;
      return column === null ? null : parseJsonColumn(db.file, `samples of '${ref.key}'`, column);
    }
    const [kind, id] = batchKey(ref.place, ref.batchId);
    const row = db.get<{ id: number; payload: string; meta: string | null; retry_num: number; tokens_cost: string | null; result: string | null; outcome: string | null }>(
      `SELECT r.id, r.payload, r.meta, r.retry_num, r.tokens_cost, s.result, s.outcome FROM requests r LEFT JOIN results s ON s.request_id = r.id
       WHERE r.batch_kind = ? AND r.batch_id = ? AND r.id = ?`,
      kind,
      id,
      ref.requestId,
    );
    if (row === undefined) throw new InvalidInputError(`Batch ${ref.batchId} of task '${task.name}' has no request ${ref.requestId}`);
    const parse = (what: string, text: string | null) => (text === null ? null : parseJsonColumn(db.file, `${what} of request ${row.id}`, text));
    return {
      custom_id: `id-${row.id}`,
      body: parse('payload', row.payload),
      info: { meta: parse('meta', row.meta), retry_num: row.retry_num, tokens_cost: parse('tokens_cost', row.tokens_cost) },
      ...(row.result === null ? {} : { outcome: row.outcome, result: parse('result', row.result) }),
    };
  });
}

/** Runs `read` on the task database opened read-only (undefined when there is none), and closes it. */
export function withDb<T>(task: TaskFiles, read: (db: TaskDb | undefined) => T): T {
  const db = TaskDb.openReadonly(taskDbPath(task.taskDir));
  try {
    return read(db);
  } finally {
    db?.close();
  }
}

function withStartedDb<T>(task: TaskFiles, read: (db: TaskDb) => T): T {
  return withDb(task, (db) => {
    if (db === undefined) throw new InvalidInputError(`Task '${task.name}' has not run yet: ${task.taskDir} holds no task database`);
    return read(db);
  });
}

function sampleWhere(group: SampleGroup): string {
  if (group === 'succeeded') return 'succeeded IS NOT NULL';
  if (group === 'failed') return 'failed IS NOT NULL';
  return 'committed IS NOT NULL AND succeeded IS NULL AND failed IS NULL';
}

function batchKey(place: BatchPlace, id: number): ['batch' | 'direct', number] {
  return [place === 'direct' ? 'direct' : 'batch', id];
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
