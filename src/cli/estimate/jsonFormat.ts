import type { LineResult } from './lineEstimator';
import type { EstimateSummary, Totals } from './totals';

/** Costs in every output are rounded to this many decimals: a millionth of a cent. */
export const costDecimals = 8;

const costScale = 10 ** costDecimals;

/** `cost` to `costDecimals` decimals: the nearest double, so JSON prints it without float noise. */
export function roundCost(cost: number): number {
  return Math.round(cost * costScale) / costScale;
}

function roundedCosts<T extends { cost_batch: number; cost_direct: number }>(value: T): T {
  return { ...value, cost_batch: roundCost(value.cost_batch), cost_direct: roundCost(value.cost_direct) };
}

/** One line's result as compact JSON: the estimate with rounded costs, or `{line, error}`. */
export function lineJson(result: LineResult): string {
  if ('error' in result) return JSON.stringify({ line: result.line, error: result.error });
  // Written out rather than stringified from a copy with rounded costs: this runs once per line.
  const customId = result.custom_id === undefined ? '' : `"custom_id":${JSON.stringify(result.custom_id)},`;
  return (
    `{"line":${result.line},${customId}"model":${JSON.stringify(result.model)},"input_tokens":${result.input_tokens},` +
    `"assumed_output_tokens":${result.assumed_output_tokens},"cost_batch":${roundCost(result.cost_batch)},"cost_direct":${roundCost(result.cost_direct)}}`
  );
}

/** The totals as JSON values: `total` with the keys of `Totals`, and `models` by name. */
export function summaryJson(summary: EstimateSummary): { total: Totals; models: Record<string, Totals & { prices_guessed: boolean }> } {
  return {
    total: roundedCosts(summary.total),
    models: Object.fromEntries([...summary.models].map(([name, totals]) => [name, roundedCosts(totals)])),
  };
}
