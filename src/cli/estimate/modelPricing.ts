import { TokenCoster, type CostRates } from '../../engine';
import { fallbackPrices, fallbackPricesModel, knownPrices } from '../../engine';

/** How one model is priced. */
export interface ModelPrice {
  coster: TokenCoster;
  /** True when the model is not in the price table and a price set on the command line did not cover it. */
  guessed: boolean;
}

const allPriceFlags: readonly (keyof CostRates)[] = [
  'cost_input_direct_mtoken',
  'cost_input_cached_mtoken',
  'cost_input_batch_mtoken',
  'cost_output_direct_mtoken',
  'cost_output_batch_mtoken',
];

function describe(rates: CostRates): string {
  return (
    `input ${rates.cost_input_direct_mtoken} direct, ${rates.cost_input_batch_mtoken} batch; ` +
    `output ${rates.cost_output_direct_mtoken} direct, ${rates.cost_output_batch_mtoken} batch per million tokens`
  );
}

/**
 * The price of each model: the prices set on the command line, and for the rest the model's published prices, or
 * for a model not in the table those of the fallback model, with one warning per such model.
 */
export class ModelPricing {
  private readonly byModel = new Map<string, ModelPrice>();
  private readonly flagsCoverAll: boolean;

  /** Throws `InvalidInputError` if a price flag is negative. */
  constructor(
    private readonly priceFlags: Partial<CostRates>,
    private readonly warn: (message: string) => void,
  ) {
    this.flagsCoverAll = allPriceFlags.every((name) => priceFlags[name] !== undefined);
    // A bad flag fails before the first line rather than at it.
    new TokenCoster({ ...fallbackPrices(), ...priceFlags });
  }

  priceOf(model: string): ModelPrice {
    let price = this.byModel.get(model);
    if (price === undefined) {
      price = this.resolve(model);
      this.byModel.set(model, price);
    }
    return price;
  }

  private resolve(model: string): ModelPrice {
    const known = knownPrices(model);
    const rates = { ...(known ?? fallbackPrices()), ...this.priceFlags };
    const guessed = known === undefined && !this.flagsCoverAll;
    if (guessed) {
      this.warn(`No known prices for model '${model}': guessing ${fallbackPricesModel}'s: ${describe(rates)} (the --cost_* flags set prices)`);
    }
    return { coster: new TokenCoster(rates), guessed };
  }
}
