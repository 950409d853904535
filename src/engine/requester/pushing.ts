import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { type BatchState, directUpdatedReason, type RemoteBatch, type TokensCost } from '../../shared/requesterState';
import type { ProviderFile } from '../providers/batchProvider';
import { EngineError } from '../../shared/errors';
import { addTokensCost, batchPart, costAll, costBatch, zeroTokensCost } from './accounting';
import { batchInputLine } from './cachedRequest';
import { exceedsLearnedQueueLimit } from './queueFull';
import { awaitsValidationOfSameModel } from './validationHold';
import { capCostLines, requesterSpendCaps } from './reservedSpend';
import { Requester } from './requester';

/** Pushing local batches to the Batch API, and reconciling pushes a crash interrupted (engine.md 3.4, 5.3). */

const metadataValueLimit = 512;
/** The provider creates at most this many batches per hour (openai-api.md); a rejected push counts too. */
export const batchesPerHour = 2000;

/** How many batches were created in the hour up to now, dropping the older creation times. */
function batchesCreatedLastHour(r: Requester): number {
  const since = Math.floor(r.clock() / 1000) - 3600;
  const times = r.recentPushTimes;
  while (times.length > 0 && (times[0] as number) < since) times.shift();
  return times.length;
}

/** Keeps the end of a long value within the provider's metadata limit. */
function fitMetadata(value: string): string {
  return value.length <= metadataValueLimit ? value : `…${value.slice(value.length - metadataValueLimit + 1)}`;
}

/**
 * What a remote batch carries to identify it: the task (its name and its id, created with the task database),
 * the local batch and the push. Nothing about the machine, the user or local paths leaves it.
 */
export function batchMetadata(r: Requester, batch: BatchState, token: string): Record<string, string> {
  return {
    task_name: fitMetadata(r.records.prefix),
    task_id: r.taskId,
    batch_id: String(batch.id),
    push_token: token,
  };
}

/** The ending of every upload's name: the task id, so that uploads can be told to be this task's (see `deleteLeftoverUploads`). */
function uploadSuffix(r: Requester): string {
  return `_task-${r.taskId}.jsonl`;
}

function uploadName(r: Requester, batch: BatchState, token: string): string {
  return `${r.records.prefix}_batch${batch.id}_${token}${uploadSuffix(r)}`;
}

interface RemoteTotals {
  count: number;
  requests: number;
  size: number;
  tokensCost: TokensCost;
}

function remoteTotals(r: Requester): RemoteTotals {
  const totals: RemoteTotals = { count: 0, requests: 0, size: 0, tokensCost: zeroTokensCost() };
  for (const b of r.remoteBatches) {
    totals.count += 1;
    totals.requests += b.num_requests;
    totals.size += b.local_jsonl_size;
    totals.tokensCost = addTokensCost(totals.tokensCost, b.tokens_cost);
  }
  return totals;
}

/** The reason not to push given while a model's queue limit is unknown and another of its batches is in validation. */
const awaitingValidation = 'Queue limit unknown, a batch is in validation';

/** The reasons not to push `batch` now (engine.md 5.3); empty if it may be pushed. */
export function reasonsNotToPush(r: Requester, batch: BatchState, remote: RemoteTotals): string[] {
  const o = r.options;
  const l = r.limits;
  const reasons: string[] = [];
  if (!r.isPushable(batch)) return ['Unpushable batch'];
  const part = batchPart(batch.tokens_cost);
  for (const [scope, stats, maxRequests, maxTokens, maxCost] of [
    ['task', r.state.task_push_stats, o.max_task_requests, l.max_task_tokens, o.max_task_cost],
    ['session', r.session.push_stats, o.max_session_requests, l.max_session_tokens, o.max_session_cost],
  ] as const) {
    if (stats.total_requests + batch.num_requests > maxRequests) reasons.push(`Max ${scope} requests`);
    if (stats.total_tokens_cost.input_tokens + part.input_tokens > maxTokens) reasons.push(`Max ${scope} tokens`);
    if (costAll(stats.total_tokens_cost) + costBatch(part) > maxCost) reasons.push(`Max ${scope} cost`);
  }
  if (remote.count + 1 > o.max_remote_batches) reasons.push('Max remote batches');
  if (remote.requests + batch.num_requests > o.max_remote_requests) reasons.push('Max remote requests');
  if (remote.size + batch.local_jsonl_size > l.max_remote_size) reasons.push('Max remote size');
  if (remote.tokensCost.input_tokens + batch.tokens_cost.input_tokens > l.max_remote_tokens) reasons.push('Max remote tokens');
  if (costBatch(remote.tokensCost) + costBatch(batch.tokens_cost) > o.max_remote_cost) reasons.push('Max remote cost');
  if (exceedsLearnedQueueLimit(r, batch)) reasons.push('Learned queue limit');
  if (batchesCreatedLastHour(r) >= batchesPerHour) reasons.push('Max batches per hour');
  if (reasons.length === 0 && awaitsValidationOfSameModel(r, batch)) reasons.push(awaitingValidation);
  return reasons;
}

/**
 * Pushes every unpushed batch the limits allow, in ID order; a blocked batch does not stop a later, smaller one.
 * Returns whether the pipeline is congested (unpushed batches ≥ `max_unpushed_batches`).
 */
export async function pushBatches(r: Requester): Promise<boolean> {
  if (r.options.only_process) {
    r.logger.warn('Only-process mode => Not pushing any batches');
    return true;
  }
  const remote = remoteTotals(r);
  const encountered = new Set<string>();
  let pushed = 0;
  for (const batch of r.unpushedBatches) {
    const reasons = reasonsNotToPush(r, batch, remote);
    if (reasons.length > 0) {
      reasons.forEach((reason) => encountered.add(reason));
      warnIfNeverPushable(r, batch);
      continue;
    }
    if (r.dryrun) {
      r.logger.warn(`[DRYRUN] Not pushing batch ${batch.id} with ${batch.num_requests} requests`);
      encountered.add('[DRYRUN]');
      continue;
    }
    await pushBatch(r, batch);
    pushed += 1;
    remote.count += 1;
    remote.requests += batch.num_requests;
    remote.size += batch.local_jsonl_size;
    remote.tokensCost = addTokensCost(remote.tokensCost, batch.tokens_cost);
  }
  if (encountered.size > 0) r.logger.info(`Reasons encountered not to push certain batches right now: ${[...encountered].sort().join(', ')}`);
  if (pushed > 0 || [...encountered].some((reason) => reason.endsWith(' cost'))) r.logger.info(`Spend against the cost caps: ${capCostLines(requesterSpendCaps(r)).join('; ')}`);
  const unpushed = r.unpushedBatches;
  const pushable = unpushed.filter((b) => r.isPushable(b)).length;
  const congested = unpushed.length >= r.options.max_unpushed_batches;
  r.logger.info(
    `Pushed ${pushed} batch(es) resulting in ${unpushed.length} unpushed local (${pushable} pushable and ${unpushed.length - pushable} unpushable), ` +
      `${r.unfinishedRemoteBatches.length} unfinished remote, and ${r.finishedRemoteBatches.length} finished remote batches${congested ? ' [CONGESTED]' : ''}`,
  );
  return congested;
}

/** Warns when a batch is larger than a whole session or remote allowance, so that no later run could push it either. */
function warnIfNeverPushable(r: Requester, batch: BatchState): void {
  const o = r.options;
  const limits: [string, number, number][] = [
    ['max_session_requests', batch.num_requests, o.max_session_requests],
    ['max_remote_requests', batch.num_requests, o.max_remote_requests],
    ['max_session_ktokens', batch.tokens_cost.input_tokens, r.limits.max_session_tokens],
    ['max_remote_ktokens', batch.tokens_cost.input_tokens, r.limits.max_remote_tokens],
  ];
  for (const [option, size, limit] of limits) {
    if (size > limit && limit > 0) {
      r.logger.warn(`Batch ${batch.id} (${batch.num_requests} requests, ${batch.tokens_cost.input_tokens} tokens) exceeds ${option} on its own and can never be pushed with these limits; lower max_batch_requests / max_batch_ktokens, or raise ${option}`);
    }
  }
}

/**
 * Rewrites the input file of a batch that ran partly through the direct API with only the requests it still holds
 * (the file also keeps the lines of those executed then, see unpushableBatches.ts), so that the upload is the batch.
 */
async function dropExecutedLines(r: Requester, batch: BatchState): Promise<void> {
  if (!batch.reasons.includes(directUpdatedReason)) return;
  const size = await stat(batch.local_jsonl).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === batch.local_jsonl_size) return;
  const requests = await r.records.loadBatchRequests(batch, r.endpoint);
  await r.unit(async (u) => {
    r.guard(u);
    u.tx.writeText(batch.local_jsonl, requests.map((q) => batchInputLine(q.id, r.endpoint, q.payload)).join(''));
  });
  r.logger.info(`Rewrote the input file of batch ${batch.id} with its ${requests.length} requests left after direct execution (was ${size ?? 0} bytes, now ${batch.local_jsonl_size})`);
}

/**
 * Pushes one batch: records the intent, uploads, creates the remote batch, records it. The whole push is one
 * deferred unit for interrupts; a crash in between is reconciled on the next open by `reconcilePushes`.
 */
export async function pushBatch(r: Requester, batch: BatchState): Promise<void> {
  await r.gate.defer(async () => {
    await dropExecutedLines(r, batch);
    const token = randomBytes(8).toString('hex');
    await r.unit(async (u) => {
      r.guard(u);
      batch.push = { token, started_at: Math.floor(r.clock() / 1000) };
      r.saveState(u);
    });
    const provider = r.provider;
    let fileId: string | undefined;
    let created: RemoteBatch['batch'] | undefined;
    try {
      const content = await readFile(batch.local_jsonl);
      const file = await provider.uploadFile(content, uploadName(r, batch, token));
      fileId = file.id;
      if (file.bytes !== batch.local_jsonl_size) r.logger.warn(`Uploaded file ${file.id} has ${file.bytes} bytes but batch ${batch.id} has ${batch.local_jsonl_size}`);
      created = await provider.createBatch({
        file,
        endpoint: r.endpoint,
        metadata: batchMetadata(r, batch, token),
        outputExpiresAfterSeconds: Math.round(r.options.output_expires_after * 86_400),
      });
      const remoteBatch = created;
      r.recentPushTimes.push(remoteBatch.created_at);
      await r.unit(async (u) => {
        r.guard(u);
        u.rs.onRevert(() => cancelAndDelete(r, remoteBatch.id, file.id));
        batch.push = null;
        batch.remote = { file, batch: remoteBatch, finished: Requester.isFinishedStatus(remoteBatch.status) };
        r.recordPushed(u, batch.num_requests, batchPart(batch.tokens_cost));
        r.saveState(u);
      });
    } catch (error) {
      if (created === undefined && fileId !== undefined) await deleteRemoteFile(r, fileId);
      if (created === undefined) {
        await r.unit(async (u) => {
          r.guard(u);
          batch.push = null;
          r.saveState(u);
        });
      }
      throw new EngineError('api', `Failed to push batch ${batch.id}: ${(error as Error).message}`, { cause: error });
    }
    r.logger.info(
      `Pushed batch ${batch.id} as '${created.id}' based on '${fileId}' with ${batch.num_requests} requests, ${batch.tokens_cost.input_tokens} tokens, ` +
        `${costBatch(batch.tokens_cost).toFixed(3)} assumed cost (remote batch status: ${created.status})`,
    );
  });
}

async function cancelAndDelete(r: Requester, batchId: string, fileId: string): Promise<void> {
  try {
    await r.provider.cancelBatch(batchId);
  } catch (error) {
    r.logger.error(`Failed to cancel remote batch ${batchId}: ${(error as Error).message}`);
  }
  await deleteRemoteFile(r, fileId);
}

export async function deleteRemoteFile(r: Requester, fileId: string): Promise<void> {
  try {
    await r.provider.deleteFile(fileId);
  } catch (error) {
    r.logger.warn(`Failed to delete remote file ${fileId}: ${(error as Error).message}`);
  }
}

/**
 * Tidies the remote files after a crash: finishes interrupted pushes (`adoptInterruptedPushes`), then, unless
 * `sweep` is off (a status-only run, which calls the API only to poll), deletes this task's uploads that no active
 * batch uses (`deleteLeftoverUploads`). Lists the remote files once per open.
 */
export async function reconcilePushes(r: Requester, sweep = true): Promise<void> {
  const pending = r.state.batches.some((b) => b.push !== null && b.remote === null);
  // A task that never processed a batch has no leftovers to look for, and opening it calls no API.
  if (r.dryrun || (!pending && !(sweep && r.records.hasProcessedBatches()))) return;
  const files: RemoteFile[] = [];
  for await (const file of r.provider.listFiles()) files.push(file);
  const deleted = await adoptInterruptedPushes(r, files);
  if (sweep) await deleteLeftoverUploads(r, files.filter((file) => !deleted.has(file.id)));
}

type RemoteFile = ProviderFile & { filename: string };

/**
 * Finishes pushes that a crash interrupted: a remote batch carrying the push token is adopted (so it is neither lost
 * nor pushed again); uploads carrying the token that no batch uses are deleted. Returns the IDs of the deleted files.
 */
async function adoptInterruptedPushes(r: Requester, files: RemoteFile[]): Promise<Set<string>> {
  const deleted = new Set<string>();
  const pending = r.state.batches.filter((b) => b.push !== null && b.remote === null);
  if (pending.length === 0) return deleted;
  const byToken = await r.provider.findInterruptedPushes(
    pending.map((b) => ({ token: b.push?.token ?? '', startedAt: b.push?.started_at ?? 0, numRequests: b.num_requests })),
    r.taskId,
  );
  for (const batch of pending) {
    const token = batch.push?.token ?? '';
    const adopted = byToken.get(token);
    await r.unit(async (u) => {
      r.guard(u);
      if (adopted !== undefined) {
        batch.remote = { ...adopted, finished: Requester.isFinishedStatus(adopted.batch.status) };
        r.recordPushed(u, batch.num_requests, batchPart(batch.tokens_cost), false);
        r.logger.warn(`Recovered batch ${batch.id}: it had been pushed as '${adopted.batch.id}' before the previous run stopped`);
      }
      batch.push = null;
      r.saveState(u);
    });
    for (const file of files) {
      if (file.filename.includes(token) && file.id !== adopted?.file.id) {
        r.logger.warn(`Deleting orphaned upload ${file.id} (${file.filename}) of an interrupted push of batch ${batch.id}`);
        await deleteRemoteFile(r, file.id);
        deleted.add(file.id);
      }
    }
  }
  return deleted;
}

/**
 * Deletes the uploads of this task (their names end in its task id) that no active batch uses: the input files of
 * batches whose processing committed but whose clean-up a crash cut short. A file of another task, or of this task
 * before its uploads carried the task id, never matches.
 */
async function deleteLeftoverUploads(r: Requester, files: RemoteFile[]): Promise<void> {
  const inUse = new Set(r.state.batches.flatMap((b) => (b.remote === null ? [] : [b.remote.file.id])));
  for (const file of files) {
    if (!file.filename.endsWith(uploadSuffix(r)) || inUse.has(file.id)) continue;
    r.logger.warn(`Deleting leftover upload ${file.id} (${file.filename}) of this task, which no active batch uses`);
    await deleteRemoteFile(r, file.id);
  }
}
