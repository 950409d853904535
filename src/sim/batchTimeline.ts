import type { StoredBatch } from './persistence';

/** A batch's status and timestamps (ms) at some moment, derived from its record and the wall clock. */
export interface BatchMoment {
  status: 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';
  inProgressAtMs: number | null;
  finalizingAtMs: number | null;
  completedAtMs: number | null;
  failedAtMs: number | null;
  expiredAtMs: number | null;
  cancellingAtMs: number | null;
  cancelledAtMs: number | null;
  /** Share of the lines executed so far, in [0, 1]. */
  doneFraction: number;
}

/** Statuses after which nothing changes any more. */
export const terminalStatuses: ReadonlySet<BatchMoment['status']> = new Set(['failed', 'completed', 'expired', 'cancelled']);

// Shares of the batch duration spent validating and finalizing; the rest is in_progress.
const validatingShare = 0.1;
const finalizingShare = 0.1;
// A cancelled batch stays `cancelling` for this share of its duration.
const cancellingShare = 0.1;

type Timed = Pick<StoredBatch, 'createdAtMs' | 'durationMs' | 'errors' | 'expires' | 'expireCompletedFraction' | 'cancellingAtMs'>;

/**
 * Where a batch is at `nowMs`: validating for the first 10% of its duration, then failed (if validation found
 * errors) or in_progress with lines completing at a steady pace, finalizing for the last 10%, then completed. An
 * expiring batch stays in_progress until the end, finishing only `expireCompletedFraction` of its lines, then
 * expires. A cancel makes it `cancelling`, and `cancelled` a little later, keeping the lines done until the cancel.
 */
export function batchMomentAt(batch: Timed, nowMs: number): BatchMoment {
  const start = batch.createdAtMs;
  const validatedAt = start + batch.durationMs * validatingShare;
  const endAt = start + batch.durationMs;
  const finalizingAt = batch.expires ? endAt : endAt - batch.durationMs * finalizingShare;
  const finalShare = batch.expires ? batch.expireCompletedFraction : 1;
  const doneAt = (t: number): number => (t <= validatedAt ? 0 : Math.min(1, (t - validatedAt) / Math.max(1, finalizingAt - validatedAt)) * finalShare);
  const moment: BatchMoment = {
    status: 'validating',
    inProgressAtMs: null,
    finalizingAtMs: null,
    completedAtMs: null,
    failedAtMs: null,
    expiredAtMs: null,
    cancellingAtMs: null,
    cancelledAtMs: null,
    doneFraction: 0,
  };
  if (batch.errors.length > 0 && nowMs >= validatedAt && (batch.cancellingAtMs === null || batch.cancellingAtMs >= validatedAt)) {
    return { ...moment, status: 'failed', failedAtMs: validatedAt };
  }
  if (batch.cancellingAtMs !== null) {
    const cancelAt = batch.cancellingAtMs;
    const cancelledAt = cancelAt + batch.durationMs * cancellingShare;
    return {
      ...moment,
      status: nowMs >= cancelledAt ? 'cancelled' : 'cancelling',
      inProgressAtMs: cancelAt >= validatedAt ? validatedAt : null,
      finalizingAtMs: cancelAt >= finalizingAt && !batch.expires ? finalizingAt : null,
      cancellingAtMs: cancelAt,
      cancelledAtMs: nowMs >= cancelledAt ? cancelledAt : null,
      doneFraction: doneAt(cancelAt),
    };
  }
  if (nowMs < validatedAt) return moment;
  const inProgress = { ...moment, inProgressAtMs: validatedAt, doneFraction: doneAt(nowMs) };
  if (nowMs < finalizingAt) return { ...inProgress, status: 'in_progress' };
  if (batch.expires) return { ...inProgress, status: 'expired', expiredAtMs: endAt };
  if (nowMs < endAt) return { ...inProgress, status: 'finalizing', finalizingAtMs: finalizingAt };
  return { ...inProgress, status: 'completed', finalizingAtMs: finalizingAt, completedAtMs: endAt };
}
