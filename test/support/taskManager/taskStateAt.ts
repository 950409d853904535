import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';
import { TaskState } from '../../../src/engine/taskManager/taskState';

/** The task state saved in a task directory's database, opened read-only as any reader would; undefined if none. */
export function loadTaskStateAt(dir: string): TaskState | undefined {
  const db = TaskDb.openReadonly(taskDbPath(dir));
  return db === undefined ? undefined : TaskState.load(db);
}
