import type { LineResult } from './lineEstimator';
import type { EstimateSummary, Totals } from './totals';

/** Costs in every output are rounded to this many decimals: a millionth of a cent. */
export const costDecimals = 8;

export function roundCost(cost: number): number {
  return Number(cost.toFixed(costDecimals));
}

function roundedCosts<T extends { cost_batch: number; cost_direct: number }>(value: T): T {
  return { ...value, cost_batch: roundCost(value.cost_batch), cost_direct: roundCost(value.cost_direct) };
}

/** One line's result as compact JSON: the estimate with rounded costs, or `{line, error}`. */
export function lineJson(result: LineResult): string {
  if ('error' in result) return JSON.stringify({ line: result.line, error: result.error });
  return JSON.stringify(roundedCosts(result));
}

/** The totals as JSON values: `total` with the keys of `Totals`, and `models` by name. */
export function summaryJson(summary: EstimateSummary): { total: Totals; models: Record<string, Totals & { prices_guessed: boolean }> } {
  return {
    total: roundedCosts(summary.total),
    models: Object.fromEntries([...summary.models].map(([name, totals]) => [name, roundedCosts(totals)])),
  };
}
