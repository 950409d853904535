import type { CostRange, PilotForecast } from '../../shared/pilotForecast';
import { readUsage } from '../tokens/coster';
import type { RequestCosting } from './costing';
import type { ResultInfo } from './results';

/** What a pilot's answers measured. */
export interface PilotMeasurement {
  answered: number;
  completionRatio: CostRange;
  cachedShare: number;
  inputScale: number;
  meanOutputTokens: number;
}

/** The requests still to send after a pilot: how many, their estimated input and maximum output tokens. */
export interface RemainingWork {
  requests: number;
  inputTokens: number;
  maxOutputTokens: number;
  prices: 'batch' | 'direct';
}

/**
 * Measures the answered results of a pilot: the completion ratio of each answer (completion tokens against the
 * request's maximum) gives the low and high, all answers together the expected ratio; the cached share and the
 * true against estimated input tokens are taken over all answers. Undefined when nothing was answered.
 */
export function measurePilot(results: readonly ResultInfo[]): PilotMeasurement | undefined {
  let answered = 0;
  let estimatedInput = 0;
  let input = 0;
  let cached = 0;
  let output = 0;
  let maxOutput = 0;
  let low = Infinity;
  let high = -Infinity;
  for (const result of results) {
    if (result.resp_info === null) continue;
    const usage = readUsage(result.resp_info.usage);
    const max = result.req_info.tokens_cost.max_output_tokens;
    answered += 1;
    estimatedInput += result.req_info.tokens_cost.input_tokens;
    input += usage.input;
    cached += usage.cachedInput;
    output += usage.output;
    maxOutput += max;
    if (max > 0) {
      low = Math.min(low, usage.output / max);
      high = Math.max(high, usage.output / max);
    }
  }
  if (answered === 0) return undefined;
  const expected = maxOutput > 0 ? output / maxOutput : 0;
  return {
    answered,
    completionRatio: { low: Number.isFinite(low) ? low : expected, expected, high: Number.isFinite(high) ? high : expected },
    cachedShare: input > 0 ? cached / input : 0,
    inputScale: estimatedInput > 0 ? input / estimatedInput : 1,
    meanOutputTokens: output / answered,
  };
}

/** The true cost the remaining work would have at a completion ratio, with the measured input scale and cached share. */
function remainingCost(costing: RequestCosting, m: PilotMeasurement, work: RemainingWork, ratio: number): number {
  const input = Math.round(work.inputTokens * m.inputScale);
  const usage = { prompt_tokens: input, prompt_tokens_details: { cached_tokens: Math.round(input * m.cachedShare) }, completion_tokens: Math.round(work.maxOutputTokens * ratio) };
  return costing.trueCost(usage, work.prices);
}

/** The whole task's forecast: what was spent before and by the pilot, plus the remaining work at the ratio range. */
export function forecastOf(
  costing: RequestCosting,
  m: PilotMeasurement,
  pilot: { requests: number; cost: number; spentBefore: number; assumedCompletionRatio: number; ratioApplied: boolean; createdAt: number },
  work: RemainingWork,
): PilotForecast {
  const spent = pilot.spentBefore + pilot.cost;
  const at = (ratio: number) => spent + remainingCost(costing, m, work, ratio);
  return {
    createdAt: pilot.createdAt,
    pilotRequests: pilot.requests,
    answered: m.answered,
    pilotCost: pilot.cost,
    spentBefore: pilot.spentBefore,
    completionRatio: m.completionRatio,
    assumedCompletionRatio: pilot.assumedCompletionRatio,
    ratioApplied: pilot.ratioApplied,
    cachedShare: m.cachedShare,
    inputScale: m.inputScale,
    meanOutputTokens: m.meanOutputTokens,
    remainingRequests: work.requests,
    remainingPrices: work.prices,
    cost: { low: at(m.completionRatio.low), expected: at(m.completionRatio.expected), high: at(m.completionRatio.high) },
  };
}
