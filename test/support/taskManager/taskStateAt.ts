import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';
import { TaskState } from '../../../src/engine/taskManager/taskState';

/** The task state saved in a task directory's database, opened read-only as any reader would; undefined if none. */
export function loadTaskStateAt(dir: string): TaskState | undefined {
  const db = TaskDb.openReadonly(taskDbPath(dir));
  return db === undefined ? undefined : TaskState.load(db);
}

/**
 * The content of a task directory's database, table by table, for comparing before and after an operation: SQLite
 * may rewrite pages, its WAL and the WAL's index without any change to the content.
 */
export function taskDbContent(dir: string): Record<string, string> {
  const db = TaskDb.openReadonly(taskDbPath(dir));
  if (db === undefined) return {};
  try {
    const out: Record<string, string> = {};
    for (const table of ['task', 'requester', 'batches', 'requests', 'results', 'samples']) out[`task.db:${table}`] = JSON.stringify(db.all(`SELECT * FROM ${table} ORDER BY 1, 2`));
    return out;
  } finally {
    db.close();
  }
}

/** The requests of a task directory's database that are queued (committed, in no batch), in ID order. */
export function queuedRequestIds(dir: string): number[] {
  const db = TaskDb.openReadonly(taskDbPath(dir));
  if (db === undefined) return [];
  try {
    return db.all<{ id: number }>('SELECT id FROM requests WHERE batch_id IS NULL ORDER BY id').map((r) => r.id);
  } finally {
    db.close();
  }
}

/** Changes a task directory's database behind the engine's back, as a user or a disk fault might. */
export function tamperTaskDb(dir: string, sql: string): void {
  const db = TaskDb.openForWriting(taskDbPath(dir));
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}
