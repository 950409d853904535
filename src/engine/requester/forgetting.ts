import OpenAI from 'openai';
import type { RequesterState } from '../../shared/requesterState';
import { EngineError } from '../../shared/errors';
import type { RequesterRecords } from '../db/requesterRecords';
import { runUnit } from '../store/unit';
import type { BatchProvider } from '../providers/batchProvider';
import { providerOf } from '../providers/providerOf';
import type { RequesterInit } from './requester';
import { batchPart, subtractPushStats } from './accounting';

/**
 * Applies `forget_remote_batch` before the requester reads its queue: the remote batch is cancelled if the provider
 * still has it (a forgotten batch that runs on is paid for and never read), its input file is deleted, its reserved
 * spend is taken back from the task's push statistics, and its requests go back to the queue with their estimates
 * unfrozen. Their results, if any, are untouched.
 */
export async function forgetRemoteBatch(init: RequesterInit, records: RequesterRecords, state: RequesterState, batchId: number): Promise<void> {
  const batch = state.batches.find((b) => b.id === batchId);
  if (batch === undefined || batch.remote === null) {
    const remote = state.batches.filter((b) => b.remote !== null).map((b) => b.id);
    init.logger.warn(`Not forgetting batch ${batchId}: the task has no such remote batch (remote batches: ${remote.length > 0 ? remote.join(', ') : 'none'}); drop --forget_remote_batch`);
    return;
  }
  const provider = providerOf(init);
  if (init.options.dryrun || provider === null) {
    init.logger.warn(`[DRYRUN] Not forgetting remote batch '${batch.remote.batch.id}' of batch ${batchId}`);
    return;
  }
  const remote = batch.remote;
  await cancelIfKnown(provider, remote.batch.id, batchId);
  try {
    await provider.deleteFile(remote.file.id);
  } catch (error) {
    init.logger.warn(`Failed to delete remote file ${remote.file.id} of forgotten batch ${batchId}: ${(error as Error).message}`);
  }
  await runUnit(init.store, init.gate, async (u) => {
    state.batches = state.batches.filter((b) => b.id !== batchId);
    // Its reserved prediction is released: the requests are counted again when they are pushed again.
    state.task_push_stats = subtractPushStats(state.task_push_stats, batch.num_requests, batchPart(batch.tokens_cost));
    records.saveState(u.tx, state, Math.floor(init.clock() / 1000));
    records.requeueBatch(u.tx, batchId);
    u.tx.remove(batch.local_jsonl);
  });
  init.logger.warn(`Forgot remote batch '${remote.batch.id}' of batch ${batchId}: its ${batch.num_requests} requests are queued again`);
}

async function cancelIfKnown(provider: BatchProvider, remoteId: string, batchId: number): Promise<void> {
  try {
    await provider.cancelBatch(remoteId);
  } catch (error) {
    // Unknown to the provider (the usual reason to forget it) or already finished: nothing runs on.
    if (error instanceof OpenAI.APIError && (error.status === 404 || error.status === 400 || error.status === 409)) return;
    throw new EngineError('api', `Cannot forget remote batch '${remoteId}' of batch ${batchId}: cancelling it failed (${(error as Error).message}); run again once the API answers`, { cause: error });
  }
}
