import type { RemoteBatch } from '../../shared/requesterState';

/**
 * When to poll the provider again while waiting for remote batches.
 *
 * - Back-off: the first poll follows after 0.5 s and each further one 1.5 times later, up to `remote_update_interval`.
 *   That is all there is while no batch's end can be foreseen (validating, no progress yet).
 * - Expected end: a batch `in_progress` whose request counts have moved is expected to end when its remaining
 *   requests are done at the pace of the done ones, counted from its `in_progress_at`; a batch `finalizing` ends any
 *   moment. The next poll then comes after half of the time left to the soonest expected end (never later than the
 *   back-off, never sooner than `shortPollSeconds`), so polls close in on the end and a batch that finished is seen
 *   within about `shortPollSeconds` of it.
 * - No hammering: at most `maxShortPolls` polls in a row at the short interval (a batch stuck at its end), after which
 *   the back-off alone rules again. One poll is one status request per unfinished batch.
 * - Except while finalizing: a batch preparing its results can take minutes and ends without warning, so after the
 *   short polls it is polled every `finalizingPollSeconds`, and its completion is seen within that time.
 */
export const shortPollSeconds = 1;
export const maxShortPolls = 30;
export const finalizingPollSeconds = 2;
const firstPollSeconds = 0.5;
const pollGrowth = 1.5;

/** The next poll's delay and why, for the log. */
export interface NextPoll {
  seconds: number;
  reason: string;
}

/** The polling state of one wait: the back-off interval and the run of short polls. */
export class PollCadence {
  private backoff = firstPollSeconds;
  private shortPolls = 0;

  constructor(private readonly maxSeconds: number) {}

  /** The delay before the next poll, given the unfinished batches as last retrieved and the time now (ms). */
  next(batches: readonly RemoteBatch['batch'][], nowMs: number): NextPoll {
    const backoff = this.backoff;
    this.backoff = Math.min(this.backoff * pollGrowth, this.maxSeconds);
    const soonest = soonestExpectedEnd(batches, nowMs);
    if (soonest === undefined || this.shortPolls >= maxShortPolls) {
      this.shortPolls = soonest === undefined ? 0 : this.shortPolls;
      const finalizing = batches.find((b) => b.status === 'finalizing');
      if (finalizing !== undefined && backoff > finalizingPollSeconds) return { seconds: finalizingPollSeconds, reason: `remote batch ${finalizing.id} is finalizing` };
      return { seconds: backoff, reason: 'back-off' };
    }
    const seconds = Math.min(backoff, Math.max(shortPollSeconds, soonest.secondsLeft / 2));
    this.shortPolls = seconds <= shortPollSeconds ? this.shortPolls + 1 : 0;
    const left = soonest.secondsLeft > 0 ? `expected to finish in ${soonest.secondsLeft.toFixed(1)} s` : 'expected to finish now';
    return { seconds, reason: `remote batch ${soonest.id} ${left}` };
  }
}

interface ExpectedEnd {
  id: string;
  secondsLeft: number;
}

/** Provider fields the cadence reads beyond the stored batch schema. */
interface ProgressFields {
  in_progress_at?: number | null;
  request_counts?: { total?: number; completed?: number; failed?: number } | null;
}

function expectedEnd(batch: RemoteBatch['batch'] & ProgressFields, nowMs: number): ExpectedEnd | undefined {
  if (batch.status === 'finalizing') return { id: batch.id, secondsLeft: 0 };
  if (batch.status !== 'in_progress' || typeof batch.in_progress_at !== 'number') return undefined;
  const counts = batch.request_counts;
  const total = counts?.total ?? 0;
  const done = (counts?.completed ?? 0) + (counts?.failed ?? 0);
  if (total <= 0 || done <= 0) return undefined;
  const elapsed = Math.max(0, nowMs / 1000 - batch.in_progress_at);
  return { id: batch.id, secondsLeft: (elapsed * Math.max(0, total - done)) / done };
}

function soonestExpectedEnd(batches: readonly RemoteBatch['batch'][], nowMs: number): ExpectedEnd | undefined {
  let soonest: ExpectedEnd | undefined;
  for (const batch of batches) {
    const end = expectedEnd(batch, nowMs);
    if (end !== undefined && (soonest === undefined || end.secondsLeft < soonest.secondsLeft)) soonest = end;
  }
  return soonest;
}
