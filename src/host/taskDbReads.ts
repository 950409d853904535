import { InvalidInputError } from '../shared/errors';
import { TaskDb, taskDbPath } from '../engine/db/taskDb';

/**
 * Readers of a task's database for display open it read-only and without the task lock: a run may be writing it
 * meanwhile, and every read sees the last committed unit of work.
 */

/** Where a task's files are. */
export interface TaskFiles {
  name: string;
  taskDir: string;
  prefix: string;
}

/** Runs `read` on the task's database opened read-only; `undefined` when the task has none yet. */
export function withTaskDb<T>(task: TaskFiles, read: (db: TaskDb | undefined) => T): T {
  const db = TaskDb.openReadonly(taskDbPath(task.taskDir));
  try {
    return read(db);
  } finally {
    db?.close();
  }
}

/** Like withTaskDb, for reads that only make sense once the task ran: a task without a database is an input error. */
export function withStartedTaskDb<T>(task: TaskFiles, read: (db: TaskDb) => T): T {
  return withTaskDb(task, (db) => {
    if (db === undefined) throw new InvalidInputError(`Task '${task.name}' has not run yet: ${task.taskDir} holds no task database`);
    return read(db);
  });
}
