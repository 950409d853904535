import type { Logger } from '../engine';
import { parseJsonColumn } from '../engine/db/json';
import { acquireTaskLock, type TaskLock } from '../engine/store/taskLock';
import { type TaskFiles, withTaskDb } from './taskDbReads';

/** A remote batch the task database records, with where it is and what it cost. */
export interface KnownRemoteBatch {
  localId: number;
  place: 'remote' | 'processed';
  estimatedCost: number;
  trueCost: number | undefined;
}

/** What a task's database says about the provider's objects: enough to tell its own batches and files from orphans. */
export interface RemoteRefs {
  /** The task's id, sent as `task_id` in every batch's metadata and ending every upload's name. */
  taskId: string;
  batches: Map<string, KnownRemoteBatch>;
  /** Input files of the task's remote (not yet processed) batches. */
  activeFiles: Set<string>;
  /** Push tokens of pushes a crash interrupted (the next run adopts their batch), by local batch id. */
  pendingPushes: Map<string, number>;
}

type Row = { id: number; place: 'local' | 'remote' | 'processed'; remote_batch_id: string | null; estimated_cost: number; true_cost: number | null; record: string };

/** Reads the task's remote references read-only, without the lock; undefined when the task never ran. */
export function readRemoteRefs(task: TaskFiles): RemoteRefs | undefined {
  return withTaskDb(task, (db) => {
    if (db === undefined) return undefined;
    const taskRow = db.get<{ task_id: string }>('SELECT task_id FROM task');
    if (taskRow === undefined) return undefined;
    const refs: RemoteRefs = { taskId: taskRow.task_id, batches: new Map(), activeFiles: new Set(), pendingPushes: new Map() };
    for (const row of db.all<Row>("SELECT id, place, remote_batch_id, estimated_cost, true_cost, record FROM batches WHERE kind = 'batch'")) {
      if (row.remote_batch_id !== null && row.place !== 'local') {
        refs.batches.set(row.remote_batch_id, { localId: row.id, place: row.place, estimatedCost: row.estimated_cost, trueCost: row.true_cost ?? undefined });
      }
      if (row.place === 'processed') continue;
      const record = parseJsonColumn(db.file, `batches.record of batch ${row.id}`, row.record) as { push?: { token?: string } | null; remote?: { file?: { id?: string } } | null };
      if (record.remote?.file?.id !== undefined) refs.activeFiles.add(record.remote.file.id);
      if (record.push?.token !== undefined && !record.remote) refs.pendingPushes.set(record.push.token, row.id);
    }
    return refs;
  });
}

/**
 * Takes the task's lock as a run would, so that no run pushes or processes while the remote is tidied: waits
 * `timeoutSeconds` (< 0 forever, 0 tries once) and throws `TaskLockedError` naming the holder otherwise.
 */
export function lockTask(taskDir: string, prefix: string, timeoutSeconds: number, logger: Logger): Promise<TaskLock> {
  return acquireTaskLock(taskDir, prefix, { timeout: timeoutSeconds, pollInterval: 0.25, statusInterval: 5, logger });
}
