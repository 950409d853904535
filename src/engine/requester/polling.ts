import OpenAI from 'openai';
import type { BatchState, RemoteBatch } from '../../shared/requesterState';
import { EngineError } from '../../shared/errors';
import { formatDuration } from '../util/format';
import { PollCadence } from './pollCadence';
import { Requester } from './requester';

/** Refreshing remote batch statuses, and waiting for remote batches to finish (engine.md 3.5, 5.6). */

/**
 * Consecutive 404s after which a remote batch counts as unknown to the provider. A batch just created can be missing
 * from a replica for a moment; five polls in a row span seconds of normal polling, never an endless loop.
 */
export const maxNotFoundPolls = 5;

/** When the last poll-triggered state save happened, to throttle saves by `wait_save_interval`. */
export interface PollSaveClock {
  lastSave: number | undefined;
}

/**
 * Retrieves every unfinished remote batch once (concurrently) and records changes. Saves the state when something
 * changed and the last poll save is at least `wait_save_interval` ago (or there was none). Returns the number of
 * batches whose status object changed.
 */
export async function updateRemoteBatches(r: Requester, saveClock: PollSaveClock, logSave: boolean): Promise<number> {
  const unfinished = r.unfinishedRemoteBatches;
  if (unfinished.length === 0 || r.dryrun) return 0;
  const unknown: { batch: BatchState; polls: number }[] = [];
  const fetched = await Promise.all(
    unfinished.map(async (batch) => {
      const remote = batch.remote as RemoteBatch;
      try {
        const retrieved = await r.provider.retrieveBatch(remote.batch.id, remote.file.id);
        if (retrieved.id !== remote.batch.id || retrieved.input_file_id !== remote.file.id) {
          r.logger.error(`Ignoring status of remote batch ${remote.batch.id}: the provider returned batch ${retrieved.id} for file ${retrieved.input_file_id}`);
          return undefined;
        }
        r.notFoundPolls.delete(batch.id);
        return { batch, retrieved };
      } catch (error) {
        if (error instanceof OpenAI.APIError && error.status === 404) {
          const polls = (r.notFoundPolls.get(batch.id) ?? 0) + 1;
          r.notFoundPolls.set(batch.id, polls);
          if (polls >= maxNotFoundPolls) unknown.push({ batch, polls });
          else r.logger.warn(`The provider does not know remote batch ${remote.batch.id} of batch ${batch.id} (404, ${polls} of ${maxNotFoundPolls} times in a row; will retry)`);
        } else {
          r.notFoundPolls.delete(batch.id);
          r.logger.warn(`Failed to retrieve the status of remote batch ${remote.batch.id} (will retry): ${(error as Error).message}`);
        }
        return undefined;
      }
    }),
  );
  if (unknown.length > 0) throw unknownBatchError(unknown);
  const changes = fetched.filter((f): f is NonNullable<typeof f> => f !== undefined && JSON.stringify(f.retrieved) !== JSON.stringify(f.batch.remote?.batch));
  if (changes.length === 0) return 0;
  const now = r.clock();
  const save = saveClock.lastSave === undefined || now - saveClock.lastSave >= r.options.wait_save_interval * 1000;
  const statusChanges = new Map<string, number[]>();
  const apply = () => {
    for (const { batch, retrieved } of changes) {
      const remote = batch.remote as RemoteBatch;
      if (remote.batch.status !== retrieved.status) statusChanges.set(retrieved.status, [...(statusChanges.get(retrieved.status) ?? []), batch.id]);
      remote.batch = retrieved;
      remote.finished = Requester.isFinishedStatus(retrieved.status);
    }
  };
  // A finished batch is always saved at once, so that its processing never has to poll again after a restart.
  if (save || changes.some((c) => Requester.isFinishedStatus(c.retrieved.status))) {
    await r.unit(async (u) => {
      r.guard(u);
      apply();
      r.saveState(u);
    });
    saveClock.lastSave = now;
    if (logSave) r.logger.info(`Saved state after ${changes.length} remote batch status update(s)`);
  } else {
    apply();
    // Request counts move between the throttled saves; hosts see them at once.
    r.store.live?.changed();
  }
  if (statusChanges.size > 0) {
    const parts = [...statusChanges].map(([status, ids]) => `${status} (batch(es) ${ids.join(', ')})`);
    r.logger.info(`Detected change of remote batch status(es) to: ${parts.join(', ')}`);
  }
  return changes.length;
}

function unknownBatchError(unknown: { batch: BatchState; polls: number }[]): EngineError {
  const [{ batch, polls }] = unknown as [{ batch: BatchState; polls: number }];
  const remoteId = batch.remote?.batch.id ?? '';
  const others = unknown.length > 1 ? ` (so are the remote batches of batches ${unknown.slice(1).map((u) => u.batch.id).join(', ')})` : '';
  return new EngineError(
    'api',
    `Remote batch '${remoteId}' of batch ${batch.id} is unknown to the provider: ${polls} status polls in a row answered 404${others}. ` +
      'It was deleted, or this run uses a different API key, project or organization, or a different base URL than the run that pushed it. ' +
      `Run with the settings of that run to go on; if the batch is gone, run again with --forget_remote_batch ${batch.id} to forget it and queue its ${batch.num_requests} requests again.`,
  );
}

/** One status refresh before processing, then a summary of the remote batches. */
export async function prepareProcessBatches(r: Requester): Promise<void> {
  await updateRemoteBatches(r, { lastSave: undefined }, true);
  const unfinished = r.unfinishedRemoteBatches;
  const finished = r.finishedRemoteBatches;
  const count = (list: typeof unfinished) => list.reduce((sum, b) => sum + b.num_requests, 0);
  r.logger.info(
    `There are ${unfinished.length} unfinished and ${finished.length} finished REMOTE batches with a total of ${count(unfinished)} and ${count(finished)} requests respectively`,
  );
}

/**
 * Waits until at least one remote batch has finished, or none is unfinished, polling at the cadence of
 * `PollCadence`: fast at first, backing off to `remote_update_interval`, and closing in on a batch's expected end,
 * so a finished batch is noticed within a second or two. An interrupt ends the wait at once.
 */
export async function waitForBatches(r: Requester): Promise<void> {
  if (r.dryrun || r.finishedRemoteBatches.length > 0 || r.unfinishedRemoteBatches.length === 0) return;
  const start = r.clock();
  const saveClock: PollSaveClock = { lastSave: undefined };
  const cadence = new PollCadence(r.options.remote_update_interval);
  let updates = 0;
  let lastProgressLog = start;
  for (;;) {
    updates += await updateRemoteBatches(r, saveClock, false);
    const waited = (r.clock() - start) / 1000;
    if (r.finishedRemoteBatches.length > 0 || r.unfinishedRemoteBatches.length === 0) {
      r.logger.info(`Waited ${formatDuration(waited)} and ${updates} status updates until ${r.finishedRemoteBatches.length} batch(es) finished`);
      return;
    }
    if (r.clock() - lastProgressLog >= r.options.remote_update_interval * 1000) {
      lastProgressLog = r.clock();
      const progress = r.unfinishedRemoteBatches
        .map((b) => {
          const counts = (b.remote?.batch as { request_counts?: { total?: number; completed?: number; failed?: number } }).request_counts;
          const total = counts?.total ?? 0;
          const done = (counts?.completed ?? 0) + (counts?.failed ?? 0);
          return { id: b.id, done, failed: counts?.failed ?? 0, total, ratio: total > 0 ? done / total : 0 };
        })
        .sort((a, b) => b.ratio - a.ratio)
        .slice(0, 3)
        .sort((a, b) => a.id - b.id)
        .map((p) => `batch ${p.id} = ${p.done - p.failed}+${p.failed}/${p.total}`);
      r.logger.info(`Still waiting on ${r.unfinishedRemoteBatches.length} unfinished batches after ${formatDuration(waited)} and ${updates} status updates (${progress.join(', ')})...`);
    }
    const next = cadence.next(
      r.unfinishedRemoteBatches.map((b) => (b.remote as RemoteBatch).batch),
      r.clock(),
    );
    r.logger.debug(`Next status poll in ${next.seconds.toFixed(1)} s (${next.reason})`);
    await r.gate.sleep(next.seconds * 1000);
  }
}
