import type { BatchState, RemoteBatch } from '../../shared/requesterState';
import type { BatchError } from './batchResult';
import { saveQueueLimit, type QueueLimit } from '../db/queueLimits';
import { deleteRemoteFile } from './pushing';
import type { Requester } from './requester';
import { pushedThisSession } from './reservedSpend';

/**
 * Batches the provider rejected because its enqueued-token queue for the model was full (`token_limit_exceeded`,
 * openai-api.md). None of their requests ran, so such a batch is no failure: it becomes a local batch again, with
 * the same requests and IDs, and is pushed again once the queue has room.
 */

const queueFullCode = 'token_limit_exceeded';
/** The longest back-off between pushes while none of the task's batches is in flight. */
const maxBackoffSeconds = 600;

/**
 * Why pushing waits: for one of the task's in-flight batches to finish, or, with none in flight, until a time.
 * `told` is set once the wait was logged, so that each check does not repeat it.
 */
export type QueueFullHold = { model: string; told: boolean } & ({ awaiting: number[] } | { untilMs: number });

interface Rejection {
  model: string;
  /** As the provider states it, e.g. `2,000,000 enqueued tokens`. */
  limit: string;
  limitTokens: number;
}

/** How the provider rejected a finished remote batch for a full queue; undefined if it failed otherwise. */
function rejection(batch: BatchState): Rejection | undefined {
  const remote = batch.remote?.batch as (RemoteBatch['batch'] & { model?: unknown; errors?: { data?: BatchError[] } | null }) | undefined;
  const errors = remote?.errors?.data ?? [];
  if (remote?.status !== 'failed' || errors.length === 0 || !errors.every((e) => e.code === queueFullCode)) return undefined;
  const message = errors[0]?.message ?? '';
  const model = typeof remote.model === 'string' ? remote.model : (/limit reached for (\S+)/.exec(message)?.[1] ?? 'the model');
  const limit = /Limit: ([\d,.]+ [a-z ]*tokens)/.exec(message)?.[1];
  const limitTokens = Number(limit?.split(' ')[0]?.replaceAll(',', ''));
  return { model, limit: limit ?? 'not stated', limitTokens: Number.isFinite(limitTokens) ? limitTokens : Infinity };
}

/** Whether a finished remote batch failed only because the provider's queue was full, and would fit an empty one. */
export function isQueueFull(batch: BatchState): boolean {
  const found = rejection(batch);
  return found !== undefined && batch.tokens_cost.input_tokens <= found.limitTokens;
}

/** What to do about a batch the provider's queue can never take, however empty; undefined for other batches. */
export function tooLargeForQueue(batch: BatchState): string | undefined {
  const found = rejection(batch);
  if (found === undefined || batch.tokens_cost.input_tokens <= found.limitTokens) return undefined;
  return `Batch ${batch.id} alone has ${batch.tokens_cost.input_tokens} input tokens, more than the provider's queue for ${found.model} takes (${found.limit}); lower max_batch_ktokens (and max_remote_ktokens) below the limit`;
}

/**
 * Turns a rejected remote batch back into a local one, takes back its push statistics, deletes its remote files and
 * decides when pushing may resume. Call it before other finished batches are processed: a finished batch that is
 * still known means room was freed since the rejection, so pushing resumes at once.
 */
export async function requeueRejectedBatch(r: Requester, batch: BatchState): Promise<void> {
  const remote = batch.remote as RemoteBatch;
  const remoteBatch = remote.batch;
  const { model, limit } = rejection(batch) as Rejection;
  const others = r.remoteBatches.filter((b) => b.id !== batch.id && rejection(b) === undefined);
  const inFlight = others.filter((b) => b.remote?.finished === false).map((b) => b.id);
  const freed = others.some((b) => b.remote?.finished === true);

  const learned = learnedLimit(r, batch, model, limitTokens(batch));
  await r.gate.defer(async () => {
    await r.unit(async (u) => {
      r.guard(u);
      if (learned !== undefined) {
        saveQueueLimit(u.tx, learned, Math.floor(r.clock() / 1000));
        const previous = r.queueLimits.get(model);
        u.rs.onRevert(() => {
          if (previous === undefined) r.queueLimits.delete(model);
          else r.queueLimits.set(model, previous);
        });
        r.queueLimits.set(model, learned);
      }
      r.unrecordPushed(u, batch, pushedThisSession(r, batch));
      batch.remote = null;
      batch.push = null;
      r.saveState(u);
    });
    for (const fileId of [remoteBatch.error_file_id, remoteBatch.output_file_id, remote.file.id]) {
      if (fileId) await deleteRemoteFile(r, fileId);
    }
  });

  let when = 'when in-flight batches finish';
  if (inFlight.length > 0) {
    r.queueFullBackoffs = 0;
    r.queueFullHold = { model, told: false, awaiting: inFlight };
  } else if (freed) {
    r.queueFullBackoffs = 0;
    r.queueFullHold = undefined;
    when = 'right away, as batches have finished since';
  } else {
    // Nothing of this task is in flight, so other work fills the queue and no finish of ours will be seen.
    r.queueFullBackoffs += 1;
    const seconds = backoffSeconds(r.options.remote_update_interval, r.queueFullBackoffs);
    r.queueFullHold = { model, told: false, untilMs: r.clock() + seconds * 1000 };
    when = `in ${seconds}s (none of this task's batches is in flight; back-off ${r.queueFullBackoffs})`;
  }
  if (learned !== undefined) {
    r.logger.info(
      `Learned the provider's enqueued-token limit for ${model}: ${learned.enqueuedTokens.toLocaleString('en-US')} tokens (${learned.source === 'stated' ? 'stated by the rejection' : 'inferred from the tokens in flight'}); ` +
        `batches of ${model} are pushed only while the tokens in flight stay below ${queueBudget(r, learned).toLocaleString('en-US')}`,
    );
  }
  r.logger.warn(`Remote batch ${remoteBatch.id} was rejected: the provider's queue for ${model} is full (Limit: ${limit}); batch ${batch.id} will be pushed again ${when}`);
}

function limitTokens(batch: BatchState): number {
  return (rejection(batch) as Rejection).limitTokens;
}

/**
 * What a rejection teaches about the model's limit: the stated limit, or else the tokens of the task's batches of the
 * model that the provider accepted and still runs (a lower bound of it); undefined when neither tells anything new.
 */
function learnedLimit(r: Requester, batch: BatchState, model: string, stated: number): QueueLimit | undefined {
  let learned: QueueLimit | undefined;
  if (Number.isFinite(stated)) learned = { model, enqueuedTokens: stated, source: 'stated' };
  else {
    const inFlight = inFlightTokens(r, model, batch.id);
    if (inFlight > 0) learned = { model, enqueuedTokens: inFlight, source: 'inferred' };
  }
  const known = r.queueLimits.get(model);
  if (learned === undefined || (known !== undefined && known.enqueuedTokens === learned.enqueuedTokens && known.source === learned.source)) return undefined;
  return learned;
}

/** Estimated input tokens of the task's unfinished remote batches of a model, which the provider's queue holds. */
function inFlightTokens(r: Requester, model: string, exceptId?: number): number {
  return r.unfinishedRemoteBatches
    .filter((b) => b.id !== exceptId && rejection(b) === undefined && r.batchModel(b) === model)
    .reduce((sum, b) => sum + b.tokens_cost.input_tokens, 0);
}

/** The tokens the task keeps in flight for a model with a learned limit: the limit over the token safety factor. */
function queueBudget(r: Requester, limit: QueueLimit): number {
  return Math.floor(limit.enqueuedTokens / r.options.max_token_safety);
}

/** Whether pushing `batch` would take the in-flight tokens of its model past the budget of its learned limit. */
export function exceedsLearnedQueueLimit(r: Requester, batch: BatchState): boolean {
  const model = r.queueLimits.size === 0 ? undefined : r.batchModel(batch);
  const limit = model === undefined ? undefined : r.queueLimits.get(model);
  if (model === undefined || limit === undefined) return false;
  return inFlightTokens(r, model) + batch.tokens_cost.input_tokens > queueBudget(r, limit);
}

/** The n-th (1-based) consecutive back-off: doubling from the polling interval, at most `maxBackoffSeconds`. */
function backoffSeconds(pollSeconds: number, n: number): number {
  return Math.min(maxBackoffSeconds, Math.round(pollSeconds * 2 ** (n - 1)));
}

/** Whether batches may be pushed now; ends the hold once what it waits for has happened, and logs why not. */
export function queueHasRoom(r: Requester): boolean {
  const hold = r.queueFullHold;
  if (hold === undefined) return true;
  let waitingFor: string;
  if ('awaiting' in hold) {
    // A batch that was itself rejected freed nothing; one that finished otherwise (or was processed) did.
    const stillQueued = new Map(r.remoteBatches.map((b) => [b.id, b]));
    const freed = hold.awaiting.some((id) => {
      const batch = stillQueued.get(id);
      return batch === undefined || (batch.remote?.finished === true && rejection(batch) === undefined);
    });
    if (freed) return release(r, hold.model);
    waitingFor = `until one of batch(es) ${hold.awaiting.join(', ')} finishes`;
  } else {
    if (r.clock() >= hold.untilMs) return release(r, hold.model);
    waitingFor = `for ${Math.ceil((hold.untilMs - r.clock()) / 1000)}s`;
  }
  if (!hold.told) r.logger.info(`Not pushing batches: the provider's queue for ${hold.model} is full; waiting ${waitingFor}`);
  hold.told = true;
  return false;
}

function release(r: Requester, model: string): boolean {
  r.queueFullHold = undefined;
  r.logger.info(`Pushing batches again: the provider's queue for ${model} may have room now`);
  return true;
}

/** Sleeps out a back-off hold (nothing else of the task can finish meanwhile); an interrupt ends it at once. */
export async function waitOutBackoff(r: Requester): Promise<boolean> {
  const hold = r.queueFullHold;
  if (hold === undefined || !('untilMs' in hold)) return false;
  const ms = Math.max(0, hold.untilMs - r.clock());
  r.logger.info(`Waiting ${Math.ceil(ms / 1000)}s before pushing again: the provider's queue for ${hold.model} is full`);
  await r.gate.sleep(ms);
  return true;
}
