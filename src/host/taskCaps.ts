import { RequesterRecords } from '../engine/db/requesterRecords';
import { spendCaps } from '../engine/requester/reservedSpend';
import { deriveLimits, type RequesterOptions } from '../shared/options';
import type { SpendCap } from '../shared/taskEvent';
import { type TaskFiles, withTaskDb } from './taskDbReads';

/**
 * The task-wide caps (task and remote) with what they have spent and hold reserved for batches in flight, read from
 * the task database read-only; none for a task that never ran. Session caps belong to a run and are not read here.
 */
export function readTaskCaps(task: TaskFiles, options: RequesterOptions): SpendCap[] {
  return withTaskDb(task, (db) => {
    const state = db === undefined ? undefined : new RequesterRecords(db, task.taskDir, task.prefix).loadState();
    if (state === undefined) return [];
    return spendCaps({ taskPushStats: state.task_push_stats, batches: state.batches, options, limits: deriveLimits(options) });
  });
}
