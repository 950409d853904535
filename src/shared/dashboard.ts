import { z } from 'zod';

/**
 * What the task dashboard draws: a task's progress, spend, batches and completion ratios, read from its database
 * without the task lock. Plain JSON data; it crosses the worker boundary and is validated there with these schemas.
 * Times are Unix seconds, costs in the currency of the task's `cost_*` options.
 */

/** One point of the progress series: requests finished (cumulative) when a batch was processed. */
export const progressPointSchema = z.object({
  at: z.number(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type ProgressPoint = z.infer<typeof progressPointSchema>;

/** A cost cap of the task's options and what counts against it now. */
export const capUsageSchema = z.object({
  /** The option, e.g. `max_task_cost`. */
  option: z.string(),
  /** What the cap limits, in words, e.g. `estimated cost pushed over the whole task`. */
  label: z.string(),
  limit: z.number().nonnegative(),
  /** What counts against the cap now; absent when only a running task knows it (this session's pushes). */
  used: z.number().nonnegative().optional(),
  /**
   * The part of `used` reserved for batches in flight: their estimates, until their true cost replaces them; the rest
   * is spent. Absent for the caps on a single batch or direct group.
   */
  reserved: z.number().nonnegative().optional(),
});
export type CapUsage = z.infer<typeof capUsageSchema>;

/** One batch on the timeline. */
export const dashboardBatchSchema = z.object({
  kind: z.enum(['batch', 'direct']),
  id: z.number().int(),
  place: z.enum(['local', 'remote', 'processed']),
  status: z.string(),
  numRequests: z.number().int().nonnegative(),
  /** When it was pushed (remote) or executed (direct); absent while local. */
  pushedAt: z.number().optional(),
  /** When the provider finished it; absent while it runs. */
  finishedAt: z.number().optional(),
  estimatedCost: z.number().nonnegative(),
  /** Once processed. */
  trueCost: z.number().nonnegative().optional(),
});
export type DashboardBatch = z.infer<typeof dashboardBatchSchema>;

/** Completion tokens as a fraction of each request's `max_output_tokens`, counted in equal bins over [0, 1]. */
export const completionRatiosSchema = z.object({
  /** `bins[i]` counts ratios in [i/n, (i+1)/n); a ratio of exactly 1 counts in the last bin. */
  bins: z.array(z.number().int().nonnegative()),
  /** Answered requests the bins were counted from: all of them, or an evenly spread sample on large tasks. */
  counted: z.number().int().nonnegative(),
  /** Answered requests in all. */
  answered: z.number().int().nonnegative(),
  /** Mean of the counted ratios; absent when none was counted. */
  mean: z.number().optional(),
});
export type CompletionRatios = z.infer<typeof completionRatiosSchema>;

export const dashboardDataSchema = z.object({
  task: z.string(),
  /** False until the task has run once; every series is then empty. */
  started: z.boolean(),
  /** When the data was read. */
  readAt: z.number(),
  samples: z.object({ committed: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), pending: z.number().int() }),
  /** True cost of everything processed so far. */
  trueCost: z.number().nonnegative(),
  /**
   * In time order: zero at the first processed batch's push, then one point per processed batch, thinned evenly on
   * tasks with very many batches.
   */
  progress: z.array(progressPointSchema),
  caps: z.array(capUsageSchema),
  /** The active batches and the most recent processed ones, by id. */
  batches: z.array(dashboardBatchSchema),
  /** Processed batches older than those listed. */
  olderBatches: z.number().int().nonnegative(),
  completionRatios: completionRatiosSchema,
});
export type DashboardData = z.infer<typeof dashboardDataSchema>;
