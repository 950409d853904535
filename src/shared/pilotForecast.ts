import { z } from 'zod';

/** A low / expected / high triple. */
export const costRangeSchema = z.object({ low: z.number(), expected: z.number(), high: z.number() });
export type CostRange = z.infer<typeof costRangeSchema>;

/**
 * The whole task's cost as forecast from a pilot: a few queued requests, sampled across the queue and sent through
 * the direct API before the first batch push, whose answers measure what the estimates can only assume.
 */
export const pilotForecastSchema = z.object({
  /** When the pilot ended (seconds since the epoch). */
  createdAt: z.number().int(),
  /** Requests the pilot sent (first attempts) and how many of them were answered. */
  pilotRequests: z.number().int(),
  answered: z.number().int(),
  /** True cost of the pilot's answers (direct prices, or batch prices for answers served at flex). */
  pilotCost: z.number(),
  /** True cost of the task before the pilot. */
  spentBefore: z.number(),
  /** Completion tokens against the assumed maximum: lowest and highest of one answer, and over all answers. */
  completionRatio: costRangeSchema,
  /** The completion ratio the estimates assumed before the pilot. */
  assumedCompletionRatio: z.number(),
  /** Whether the measured ratio now stands for the assumed one (`--pilot_update_ratio`). */
  ratioApplied: z.boolean(),
  /** Cached input tokens against all input tokens of the answers. */
  cachedShare: z.number(),
  /** True input tokens against the estimated ones. */
  inputScale: z.number(),
  /** Completion tokens per answer, on average. */
  meanOutputTokens: z.number(),
  /** Requests left to send after the pilot (queued or in local batches) and the prices they were costed at. */
  remainingRequests: z.number().int(),
  remainingPrices: z.enum(['batch', 'direct']),
  /** The whole task's true cost: spent before, the pilot, and the remaining requests at the ratio range. */
  cost: costRangeSchema,
});
export type PilotForecast = z.infer<typeof pilotForecastSchema>;

/** The forecast in words: the range, then what it assumed. */
export function describePilotForecast(f: PilotForecast, formatCost: (cost: number) => string): string[] {
  const r = f.completionRatio;
  const ratio = (x: number) => x.toFixed(3);
  const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `Forecast of the whole task's cost: low ${formatCost(f.cost.low)} / expected ${formatCost(f.cost.expected)} / high ${formatCost(f.cost.high)}`,
    `  from a pilot of ${f.pilotRequests} requests sent direct (${f.answered} answered, true cost ${formatCost(f.pilotCost)})` +
      (f.spentBefore > 0 ? `, ${formatCost(f.spentBefore)} spent before it` : ''),
    `  the remaining ${f.remainingRequests} requests at ${f.remainingPrices} prices with a completion ratio of ${ratio(r.low)} (low) / ${ratio(r.expected)} (expected) / ${ratio(r.high)} (high)` +
      ` against the assumed ${ratio(f.assumedCompletionRatio)}${f.ratioApplied ? ' (estimates now use the expected ratio)' : ''}`,
    `  input ${ratio(f.inputScale)}x the estimated tokens, ${percent(f.cachedShare)} of it cached; ${f.meanOutputTokens.toFixed(1)} completion tokens per answer on average`,
  ];
}
