import { z } from 'zod';
import { pilotForecastSchema } from './pilotForecast';

/**
 * What the editor shows of a task: a summary read from the task's files without taking its lock, so it can be read
 * while a run writes them. Plain JSON data; it crosses the worker boundary and is validated there with these schemas.
 */

/** Where a batch is: local (formed, not pushed), remote (pushed, not processed), processed (history) or direct. */
export const batchPlaceSchema = z.enum(['local', 'remote', 'processed', 'direct']);
export type BatchPlace = z.infer<typeof batchPlaceSchema>;

/** One batch of a task. */
export const batchSummarySchema = z.object({
  place: batchPlaceSchema,
  /** The engine's batch id (direct batches count separately from batches). */
  id: z.number().int(),
  numRequests: z.number().int().nonnegative(),
  /** Provider status of a remote or processed batch (`in_progress`, `completed`, …); `local` for unpushed batches. */
  status: z.string(),
  /** The provider's batch id, when pushed. */
  remoteId: z.string().optional(),
  /** Requests the provider reported completed and failed, when it reported them. */
  completed: z.number().int().nonnegative().optional(),
  failed: z.number().int().nonnegative().optional(),
  /** Estimated cost of the batch (batch prices, or direct prices for direct batches). */
  estimatedCost: z.number().nonnegative(),
  /** True cost of a processed batch. */
  trueCost: z.number().nonnegative().optional(),
  /** When the provider last reported a remote batch finished (Unix seconds): its results expire counting from then. */
  finishedAt: z.number().int().positive().optional(),
  /** Whether the requests of this batch can still be read (local and remote batches keep their input file). */
  hasRequests: z.boolean(),
});
export type BatchSummary = z.infer<typeof batchSummarySchema>;

/** The prices the requests not sent yet are billed at: direct ones when they would run direct (`force_direct`, or fewer than `min_batch_requests`). */
export const unsentPricesSchema = z.enum(['batch', 'direct']);
export type UnsentPrices = z.infer<typeof unsentPricesSchema>;

/** What the committed, unprocessed requests are estimated at, as a run estimates them. */
export const committedEstimateSchema = z.object({
  prices: unsentPricesSchema,
  /** The queued requests (committed, in no batch yet), at `prices`. */
  queue: z.number().nonnegative(),
  /** The local batches (formed, not pushed), at `prices`. */
  local: z.number().nonnegative(),
  /** The remote batches (pushed, not processed), at batch prices. */
  remote: z.number().nonnegative(),
});
export type CommittedEstimate = z.infer<typeof committedEstimateSchema>;

/** No estimate: nothing committed, or a task that never ran. */
export const noCommittedEstimate: CommittedEstimate = { prices: 'batch', queue: 0, local: 0, remote: 0 };

/** Sample groups of the task state: every sample is in one or two of these (a sample may have succeeded and failed). */
export const sampleStates = ['succeeded', 'failed', 'pending'] as const;

/**
 * Filters over the samples by what their attempts got: an attempt was a retry; an answer finished by `length` or
 * `content_filter`; the model refused; an attempt ended in an error (retried or not).
 */
export const sampleFilters = ['retried', 'cutShort', 'refused', 'errored'] as const;

/** A list of samples under a task: a state or a filter. */
export const sampleGroupSchema = z.enum([...sampleStates, ...sampleFilters]);
export type SampleGroup = z.infer<typeof sampleGroupSchema>;
export type SampleFilter = (typeof sampleFilters)[number];

/** A task's state, as far as its files exist. */
export const taskSnapshotSchema = z.object({
  name: z.string(),
  taskDir: z.string(),
  prefix: z.string(),
  /** False until the task has been run once (no state file yet). */
  started: z.boolean(),
  /** Why the files could not be read (e.g. caught mid-write); the other fields are then empty. */
  error: z.string().optional(),
  /** Requests committed but not yet in a batch. */
  queuedRequests: z.number().int().nonnegative(),
  /** Cost of every request pushed or executed so far (estimated at push, true once processed). */
  taskCost: z.number().nonnegative(),
  /** Estimated cost of what is committed and not processed yet: the queued requests, the local and remote batches. */
  queuedEstimate: z.number().nonnegative(),
  /** The parts of `queuedEstimate`, and the prices of what is not sent yet. */
  estimate: committedEstimateSchema,
  /** True cost of every pilot the task sent (direct requests sent before the first push to forecast the task's cost). */
  pilotsCost: z.number().nonnegative(),
  batches: z.array(batchSummarySchema),
  /** Processed batches beyond those listed (only the tail of the history is read). */
  olderProcessed: z.number().int().nonnegative(),
  /** The cost forecast of the task's latest pilot, when one ran. */
  pilotForecast: pilotForecastSchema.optional(),
  /** The web link of the task's last online W&B run, when it had one. */
  wandbUrl: z.string().optional(),
  /** Committed samples, and how many of them succeeded, failed (a sample may have done both) or are pending. */
  samples: z.object({ committed: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), pending: z.number().int() }),
});
export type TaskSnapshot = z.infer<typeof taskSnapshotSchema>;

/** What a page of a list refers to: the requests of a batch, the samples of a group, or the attempts of a sample. */
export const pageSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('batch'), place: batchPlaceSchema, id: z.number().int() }),
  z.object({ kind: z.literal('samples'), group: sampleGroupSchema }),
  z.object({ kind: z.literal('attempts'), key: z.string() }),
]);
export type PageSource = z.infer<typeof pageSourceSchema>;

/**
 * One request sent (or to be sent) for a sample; a retry is a new attempt. What the provider answered, once
 * processed: `outcome` is `succeeded`, `failed` or `retried` (failed, and tried again), `answered` for a direct answer
 * that is stored but not processed yet; absent while unanswered.
 */
export const attemptSchema = z.object({
  kind: z.literal('attempt'),
  requestId: z.number().int(),
  sampleKey: z.string().optional(),
  /** The input text of the request, on one line (the last user message, or the text to embed). */
  prompt: z.string().optional(),
  retryNum: z.number().int().nonnegative(),
  /** The batch it was sent in; absent while it waits in the queue. */
  batch: z.object({ place: batchPlaceSchema, id: z.number().int() }).optional(),
  outcome: z.enum(['succeeded', 'failed', 'retried', 'answered']).optional(),
  finishReason: z.string().optional(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/** A sample; `detail` is what its request's meta says besides the key (e.g. the whole text the key was cut from). */
export const sampleItemSchema = z.object({ kind: z.literal('sample'), key: z.string(), detail: z.string().optional() });
export type SampleItem = z.infer<typeof sampleItemSchema>;

export const pageItemSchema = z.discriminatedUnion('kind', [sampleItemSchema, attemptSchema]);
export type PageItem = z.infer<typeof pageItemSchema>;

/**
 * A page of a list, in a stable order (sample key, or request id). `next` is the cursor of the following page, absent
 * on the last one; `total` is the length of the whole list, or with `totalAtLeast` a lower bound of it (a filter
 * stops counting at 10,000 samples).
 */
export const pageSchema = z.object({ total: z.number().int().nonnegative(), totalAtLeast: z.boolean().optional(), items: z.array(pageItemSchema), next: z.string().optional() });
export type Page = z.infer<typeof pageSchema>;

/** The three views of an attempt: the request as sent, the provider's raw response or error, the parsed result. */
export const attemptParts = ['request', 'response', 'parsed'] as const;
export type AttemptPart = (typeof attemptParts)[number];

/** A document the editor can open read-only: a part of an attempt, or a sample's stored state. */
export const documentRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('attempt'), requestId: z.number().int(), part: z.enum(attemptParts) }),
  z.object({ kind: z.literal('sample'), key: z.string() }),
]);
export type DocumentRef = z.infer<typeof documentRefSchema>;

/** A sample found by key: which of the states it is in. */
export const foundSampleSchema = sampleItemSchema.extend({ states: z.array(z.enum(sampleStates)) });
export type FoundSample = z.infer<typeof foundSampleSchema>;

/**
 * Whether the task has spent money outside its pilots: pushed a batch, or executed direct requests (`force_direct`, a
 * small remainder) that were not a pilot's. A pilot is sent before the question about the whole task's cost, so it
 * alone does not count. Costs below a billionth are rounding of the sums, not spend.
 */
export function hasSpent(snapshot: TaskSnapshot): boolean {
  if (snapshot.batches.some((b) => b.place === 'remote' || b.place === 'processed')) return true;
  return snapshot.taskCost - snapshot.pilotsCost > 1e-9;
}
