import { z } from 'zod';
import { pilotForecastSchema } from './pilotForecast';

/**
 * What a `commit_only` run found once it had generated and committed the whole task (and sent its pilot, if any),
 * before it formed or pushed a single batch: the figures a user decides on before spending.
 */
export const committedTaskSchema = z.object({
  /** Requests committed and not processed yet: queued, in local batches and in remote batches. */
  requests: z.number().int().nonnegative(),
  /** Their estimated cost, at the prices they would be sent at. */
  estimatedCost: z.number().nonnegative(),
  /** What the task has truly cost so far, a pilot's answers included. */
  spentCost: z.number().nonnegative(),
  /** The forecast of the pilot this run sent, when it sent one and got answers. */
  pilotForecast: pilotForecastSchema.optional(),
});
export type CommittedTask = z.infer<typeof committedTaskSchema>;

/** The whole task's estimated cost: what is spent plus what the committed requests are estimated at. */
export const wholeTaskEstimate = (c: CommittedTask): number => c.spentCost + c.estimatedCost;
