import type { RemoteBatch } from '../../shared/requesterState';
import { zeroPushStats } from './accounting';
import { RequesterRecords } from '../db/requesterRecords';
import { prepareProcessBatches } from './polling';
import { deleteRemoteFile } from './pushing';
import type { Requester } from './requester';

/**
 * Forgets every request that is pooled, queued, in a local batch or on the remote (engine.md 9.2): unfinished
 * remote batches are cancelled and their files deleted. With `task`, the whole requester state starts afresh
 * (IDs restart, histories and metrics are cleared). Not reversible: finished but unprocessed results are lost.
 */
export async function wipeRequests(r: Requester, task: boolean): Promise<void> {
  if (!r.dryrun) await prepareProcessBatches(r);
  const remotes = r.remoteBatches.map((b) => b.remote as RemoteBatch);
  const toCancel = remotes.filter((x) => !x.finished).map((x) => x.batch.id);
  const toDelete = remotes.flatMap((x) => [x.batch.error_file_id, x.batch.output_file_id, x.file.id].filter((id): id is string => Boolean(id)));
  const localBatches = r.state.batches.slice();
  r.logger.warn(
    `Wiping ${task ? 'the whole task' : 'all ongoing requests'}: ${r.pool.length + r.queue.length} pooled/queued requests, ${localBatches.length} local/remote batches ` +
      `(${toCancel.length} unfinished remote batches will be cancelled)`,
  );
  await r.unit(async (u) => {
    r.guard(u);
    for (const batch of localBatches) u.tx.remove(batch.local_jsonl);
    r.pool = [];
    r.queue.clear(u);
    r.session.processed_failed_batches = 0;
    if (task) {
      r.records.wipeAll(u.tx);
      r.state = RequesterRecords.freshState(r.endpoint);
      r.nextRequestId = 0;
      r.session.push_stats = zeroPushStats();
    } else {
      r.records.wipeActive(u.tx);
      r.state.max_request_id = r.nextRequestId;
      r.state.batches = [];
      r.state.num_pass_failures = 0;
    }
    r.saveState(u);
  });
  if (r.dryrun) return;
  for (const id of toCancel) {
    try {
      await r.provider.cancelBatch(id);
      r.logger.info(`Cancelled remote batch ${id}`);
    } catch (error) {
      r.logger.warn(`Failed to cancel remote batch ${id}: ${(error as Error).message}`);
    }
  }
  for (const id of toDelete) await deleteRemoteFile(r, id);
}
