import { type BatchState, directUpdatedReason } from '../../shared/requesterState';
import { sumTokensCost } from './accounting';
import { directRequests } from './direct';
import type { BatchResultHandler } from './processing';
import type { Requester } from './requester';

/**
 * Executes every unpushable local batch through the direct API (engine.md 3.10). Each virtual batch takes the
 * executed requests out of the batch and adds their retries to it, in the same unit as the task's processing, so an
 * interruption never loses a retry. The task database records which requests the batch holds; its file only gains
 * the retries' lines (rewriting it after every virtual batch would write a large batch's file hundreds of times), so
 * it keeps the executed requests' lines until the batch empties or is rewritten before a push (see pushing.ts).
 * Returns the unpushable batches left and whether limits stopped execution.
 */
export async function processUnpushableBatches(r: Requester, handler: BatchResultHandler): Promise<{ remaining: number; limited: boolean }> {
  const unpushable = () => r.unpushedBatches.filter((b) => !r.isPushable(b));
  if (r.options.only_process) {
    r.logger.warn('Only-process mode => Not executing unpushable batches');
    return { remaining: unpushable().length, limited: true };
  }
  let limited = false;
  let processed = 0;
  for (const listed of unpushable()) {
    const batchId = listed.id;
    const current = () => r.state.batches.find((b) => b.id === batchId) as BatchState;
    let requests = await r.loadBatchCachedRequests(listed);
    // The first virtual batch stores the current estimate of every request left; later ones only add the retries.
    let estimatesStored = false;
    if (requests.length === 0) {
      await r.unit(async (u) => {
        r.guard(u);
        r.state.batches = r.state.batches.filter((b) => b.id !== batchId);
        u.tx.remove(listed.local_jsonl);
        r.saveState(u);
      });
      continue;
    }
    limited = await directRequests(r, requests, handler, (u, executed, retries) => {
      const done = new Set(executed.map((q) => q.id));
      requests = [...requests.filter((q) => !done.has(q.id)), ...retries];
      const batch = current();
      if (requests.length === 0) {
        r.state.batches = r.state.batches.filter((b) => b.id !== batchId);
        u.tx.remove(batch.local_jsonl);
        return;
      }
      batch.num_requests = requests.length;
      batch.local_jsonl_size = requests.reduce((sum, q) => sum + q.size, 0);
      batch.tokens_cost = sumTokensCost(requests.map((q) => q.tokens_cost));
      batch.full_batch = false;
      if (!batch.reasons.includes(directUpdatedReason)) batch.reasons.push(directUpdatedReason);
      const retried = new Set(retries.map((q) => q.id));
      r.extendBatch(u, batch, requests, retries, estimatesStored ? [] : requests.filter((q) => !retried.has(q.id)));
      estimatesStored = true;
    });
    processed += 1;
    if (limited) break;
  }
  const left = unpushable();
  r.logger.info(`Finished ${processed} unpushable batch(es) resulting in ${left.length} unpushable batches left${limited ? ' (limits reached)' : ''}`);
  return { remaining: left.length, limited };
}
