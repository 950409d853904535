import type { BatchState } from '../../shared/requesterState';
import { sumTokensCost } from './accounting';
import { directRequests } from './direct';
import type { BatchResultHandler } from './processing';
import type { Requester } from './requester';

/**
 * Executes every unpushable local batch through the direct API (engine.md 3.10). Each virtual batch rewrites the
 * batch's files without the executed requests and with their retries, in the same unit as the task's processing,
 * so an interruption never loses a retry. Returns the unpushable batches left and whether limits stopped execution.
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
    // The first rewrite stores every request's current estimate; later ones need to assign only the new retries.
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
      if (!batch.reasons.includes('Direct updated')) batch.reasons.push('Direct updated');
      r.writeBatch(u, batch, requests, estimatesStored ? retries : requests);
      estimatesStored = true;
    });
    processed += 1;
    if (limited) break;
  }
  const left = unpushable();
  r.logger.info(`Finished ${processed} unpushable batch(es) resulting in ${left.length} unpushable batches left${limited ? ' (limits reached)' : ''}`);
  return { remaining: left.length, limited };
}
