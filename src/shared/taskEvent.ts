import { z } from 'zod';

/**
 * What the engine reports after every committed unit of work, and whenever a status poll of remote batches brings
 * new request counts: the task's live state, taken from what the engine holds in memory (no database read). Plain
 * JSON data, so it crosses the worker boundary unchanged; each event supersedes the previous one.
 */

/** A batch that is not processed yet: formed locally (`local`), or pushed and not yet processed (`remote`). */
export const liveBatchSchema = z.object({
  id: z.number().int(),
  place: z.enum(['local', 'remote']),
  /** `local` for an unpushed batch; the provider's status (`validating`, `in_progress`, `completed`, …) once pushed. */
  status: z.string(),
  numRequests: z.number().int().nonnegative(),
  /** Requests the provider reported completed and failed so far, once it reported them. */
  completed: z.number().int().nonnegative().optional(),
  failed: z.number().int().nonnegative().optional(),
  /** Estimated cost at batch prices. */
  estimatedCost: z.number().nonnegative(),
});
export type LiveBatch = z.infer<typeof liveBatchSchema>;

/**
 * A limit on spend or volume and how much of it is used: pushing stops before `used` would pass `limit`. `used` is
 * `spent` (true figures of processed batches; estimates of direct requests) plus `reserved` (the predictions of
 * batches in flight, replaced by their true figures once processed).
 */
export const spendCapSchema = z.object({
  /** The option that sets it, e.g. `max_session_cost`. */
  option: z.string(),
  /** What it counts: `cost` in dollars, input `tokens` (after the token safety factor), `requests` or `batches`. */
  unit: z.enum(['cost', 'tokens', 'requests', 'batches']),
  limit: z.number().nonnegative(),
  used: z.number().nonnegative(),
  spent: z.number().nonnegative(),
  reserved: z.number().nonnegative(),
});
export type SpendCap = z.infer<typeof spendCapSchema>;

export const taskEventSchema = z.object({
  /** The task's name prefix (`task_prefix`, else the task name). */
  task: z.string(),
  /** Counts up by one per event of a run, so that a receiver can drop stale ones. */
  seq: z.number().int().nonnegative(),
  /** When the event was built, by the engine's clock (ms since the epoch). */
  atMs: z.number(),
  /** Committed samples and how many succeeded, failed (a sample may have done both) or are pending. */
  samples: z.object({ committed: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), pending: z.number().int() }),
  /** Requests committed and not yet in a batch. */
  queuedRequests: z.number().int().nonnegative(),
  /** Every batch not processed yet, in id order. */
  batches: z.array(liveBatchSchema),
  /** Batches processed so far over the whole task (direct batches not included). */
  processedBatches: z.number().int().nonnegative(),
  cost: z.object({
    /** True cost of the results processed since this run started. */
    session: z.number(),
    /** True cost of every result processed over the whole task. */
    task: z.number(),
    /** Estimated cost of what is committed and not processed yet: the queue and local batches at the prices they would be sent at, the remote batches at batch prices. */
    queued: z.number(),
  }),
  /** The caps on spend and volume, with what they have spent and reserved. */
  caps: z.array(spendCapSchema),
  /** How many direct requests may be in flight now (the adaptive concurrency), once the run has sent any. */
  directConcurrency: z.number().int().positive().optional(),
});
export type TaskEvent = z.infer<typeof taskEventSchema>;

/** Where the engine sends its events. It must return quickly; an exception it throws is logged and never fails a unit. */
export type TaskEventSink = (event: TaskEvent) => void;

/** Share of the committed samples that are finished (succeeded or failed), in [0, 1]; 0 before any is committed. */
export function finishedShare(samples: TaskEvent['samples']): number {
  return samples.committed > 0 ? (samples.committed - samples.pending) / samples.committed : 0;
}
