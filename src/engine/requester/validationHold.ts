import type { BatchState } from '../../shared/requesterState';
import type { PollSaveClock } from './polling';
import { updateRemoteBatches } from './polling';
import type { Requester } from './requester';

/**
 * Pushing one batch at a time into validation while a model's enqueued-token limit is unknown. The provider accepts
 * or rejects a batch for its queue while validating it, so a second batch pushed meanwhile could be rejected too:
 * pushing the next one only once the previous has passed validation costs at most one failed validation per model,
 * the one that teaches its limit (see queueFull.ts). Once the limit is known, the queue is filled up to just below it.
 */

/** Polling for a batch to leave validation starts at this interval and grows by `pollGrowth` up to `remote_update_interval`. */
const firstPollSeconds = 0.5;
const pollGrowth = 1.5;

/** Whether `batch` must wait: its model's limit is not known yet and another batch of the model is in validation. */
export function awaitsValidationOfSameModel(r: Requester, batch: BatchState): boolean {
  const validating = r.unfinishedRemoteBatches.filter((b) => b.remote?.batch.status === 'validating');
  if (validating.length === 0) return false;
  const model = r.batchModel(batch);
  if (model === undefined || r.queueLimits.has(model)) return false;
  return validating.some((b) => r.batchModel(b) === model);
}

function pushesAwaitValidation(r: Requester): boolean {
  return r.unpushedBatches.some((b) => r.isPushable(b) && awaitsValidationOfSameModel(r, b));
}

/**
 * While pushes wait for a batch to pass validation, polls until one of them may go (a batch left validation) or a
 * batch finished; returns false at once, without polling, if no push waits for a validation. An interrupt ends the
 * wait at once; every poll is logged as it changes a status, so the wait visibly progresses.
 */
export async function waitForValidation(r: Requester): Promise<boolean> {
  if (r.dryrun || r.options.only_process || !pushesAwaitValidation(r)) return false;
  r.logger.info('Waiting for the batch in validation to be accepted into the queue before pushing the next batch of its model (its queue limit is not known yet)');
  const saveClock: PollSaveClock = { lastSave: undefined };
  let interval = Math.min(firstPollSeconds, r.options.remote_update_interval);
  for (;;) {
    await updateRemoteBatches(r, saveClock, false);
    if (r.finishedRemoteBatches.length > 0 || !pushesAwaitValidation(r)) return true;
    await r.gate.sleep(interval * 1000);
    interval = Math.min(interval * pollGrowth, r.options.remote_update_interval);
  }
}
