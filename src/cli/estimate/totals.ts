import type { LineResult } from './lineEstimator';
import type { ModelPrice } from './modelPricing';

/** Totals of some lines. Costs are not rounded. */
export interface Totals {
  input_tokens: number;
  assumed_output_tokens: number;
  cost_batch: number;
  cost_direct: number;
  /** Non-empty lines, estimated or not. */
  lines: number;
  /** Lines not estimated. */
  errors: number;
}

export interface ModelTotals extends Totals {
  prices_guessed: boolean;
}

/** The totals of a whole file, overall and per model (in order of first appearance). */
export interface EstimateSummary {
  total: Totals;
  models: Map<string, ModelTotals>;
  /** The first few errors, in line order. */
  firstErrors: string[];
}

const keptErrors = 10;

function emptyTotals(): Totals {
  return { input_tokens: 0, assumed_output_tokens: 0, cost_batch: 0, cost_direct: 0, lines: 0, errors: 0 };
}

/**
 * Adds up line results, keeping nothing per line. Costs are computed from each model's token totals at the end
 * rather than summed line by line, which would accumulate a rounding error per line.
 */
export class TotalsCounter {
  private readonly lineTotals = emptyTotals();
  private readonly byModel = new Map<string, Totals>();
  private readonly firstErrors: string[] = [];

  constructor(private readonly priceOf: (model: string) => ModelPrice) {}

  get lines(): number {
    return this.lineTotals.lines;
  }

  get errors(): number {
    return this.lineTotals.errors;
  }

  add(result: LineResult): void {
    const total = this.lineTotals;
    total.lines += 1;
    const model = result.model === undefined ? undefined : this.modelTotals(result.model);
    if (model !== undefined) model.lines += 1;
    if ('error' in result) {
      total.errors += 1;
      if (model !== undefined) model.errors += 1;
      if (this.firstErrors.length < keptErrors) this.firstErrors.push(result.error);
      return;
    }
    total.input_tokens += result.input_tokens;
    total.assumed_output_tokens += result.assumed_output_tokens;
    (model as Totals).input_tokens += result.input_tokens;
    (model as Totals).assumed_output_tokens += result.assumed_output_tokens;
  }

  summary(): EstimateSummary {
    const total = { ...this.lineTotals };
    const models = new Map<string, ModelTotals>();
    for (const [name, counts] of this.byModel) {
      const estimated = counts.lines > counts.errors;
      // A model none of whose lines was estimated has no cost, and needs no price (nor a warning about one).
      const price = estimated ? this.priceOf(name) : undefined;
      const cost = price?.coster.estimate(counts.input_tokens, counts.assumed_output_tokens);
      const costBatch = cost === undefined ? 0 : cost.cost_input_batch + cost.cost_output_batch;
      const costDirect = cost === undefined ? 0 : cost.cost_input_direct + cost.cost_output_direct;
      models.set(name, { ...counts, cost_batch: costBatch, cost_direct: costDirect, prices_guessed: price?.guessed ?? false });
      total.cost_batch += costBatch;
      total.cost_direct += costDirect;
    }
    return { total, models, firstErrors: [...this.firstErrors] };
  }

  private modelTotals(model: string): Totals {
    let totals = this.byModel.get(model);
    if (totals === undefined) {
      totals = emptyTotals();
      this.byModel.set(model, totals);
    }
    return totals;
  }
}
