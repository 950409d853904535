import type { TaskFiles } from '../host/readTaskSnapshot';
import type { TaskSnapshot } from '../shared/taskSnapshot';
import { readTaskSnapshot } from '../host/readTaskSnapshot';
import type { EstimateOptions } from '../host/committedEstimate';

/** How far a task has got, in one word (or an error for files that cannot be read). */
export type TaskProgress = 'not started' | 'has work' | 'complete' | { unreadable: string };

/**
 * Reads how far a task has got from its task directory, without the lock: `complete` once samples were committed
 * and none is pending, queued or in a local or remote batch.
 */
export async function readTaskProgress(task: TaskFiles, options: EstimateOptions): Promise<TaskProgress> {
  return progressOf(await readTaskSnapshot(task, options));
}

/** How far the task of a snapshot has got. */
export function progressOf(snapshot: TaskSnapshot): TaskProgress {
  if (snapshot.error !== undefined) return { unreadable: snapshot.error };
  if (!snapshot.started) return 'not started';
  const { succeeded, failed, pending } = snapshot.samples;
  const inBatches = snapshot.batches.some((batch) => batch.place === 'local' || batch.place === 'remote');
  return pending === 0 && snapshot.queuedRequests === 0 && !inBatches && succeeded + failed > 0 ? 'complete' : 'has work';
}
