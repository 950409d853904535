import { z } from 'zod';

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

/** Sample groups of the task state. */
export const sampleGroupSchema = z.enum(['succeeded', 'failed', 'pending']);
export type SampleGroup = z.infer<typeof sampleGroupSchema>;

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
  /** Estimated cost of what is queued: unpushed batches and requests not yet batched. */
  queuedEstimate: z.number().nonnegative(),
  batches: z.array(batchSummarySchema),
  /** Processed batches beyond those listed (only the tail of the history is read). */
  olderProcessed: z.number().int().nonnegative(),
  /** The web link of the task's last online W&B run, when it had one. */
  wandbUrl: z.string().optional(),
  /** Committed samples, and how many of them succeeded, failed (a sample may have done both) or are pending. */
  samples: z.object({ committed: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), pending: z.number().int() }),
});
export type TaskSnapshot = z.infer<typeof taskSnapshotSchema>;

/** What a page of a list refers to: the requests of a batch, or the samples of a group. */
export const pageSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('batch'), place: batchPlaceSchema, id: z.number().int() }),
  z.object({ kind: z.literal('samples'), group: sampleGroupSchema }),
]);
export type PageSource = z.infer<typeof pageSourceSchema>;

/** One row of a page: a request (key = request id) or a sample (key = sample key). */
export const pageItemSchema = z.object({ key: z.string(), label: z.string(), description: z.string().optional() });
export type PageItem = z.infer<typeof pageItemSchema>;

export const pageSchema = z.object({ total: z.number().int().nonnegative(), items: z.array(pageItemSchema) });
export type Page = z.infer<typeof pageSchema>;

/** A document the editor can open read-only: a request of a batch, or a sample's stored state. */
export const documentRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), place: batchPlaceSchema, batchId: z.number().int(), requestId: z.number().int() }),
  z.object({ kind: z.literal('sample'), group: sampleGroupSchema, key: z.string() }),
]);
export type DocumentRef = z.infer<typeof documentRefSchema>;
