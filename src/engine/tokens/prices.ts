import type { CostRates } from './coster';

/** Published OpenAI prices in USD per million tokens: direct input, cached input and output. */
interface DirectPrices {
  input: number;
  cachedInput: number;
  output: number;
}

// OpenAI's pricing page and model pages (standard tier, text tokens), as of late 2025. The Batch API costs half
// the direct price. o3 is at its price after the June 2025 cut. Models without prompt caching (embeddings, the
// first gpt-4o snapshot) list their input price as the cached one. Least certain: the cached-input prices of o1, o1-mini
// and o3-mini. Prices change: explicit --cost_* flags win.
const directPrices = new Map<string, DirectPrices>(
  Object.entries({
    'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
    'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
    'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4 },
    'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
    'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
    'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
    'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
    'gpt-4o-2024-05-13': { input: 5, cachedInput: 5, output: 15 },
    'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
    o3: { input: 2, cachedInput: 0.5, output: 8 },
    'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
    'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
    o1: { input: 15, cachedInput: 7.5, output: 60 },
    'o1-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
    'text-embedding-3-small': { input: 0.02, cachedInput: 0.02, output: 0 },
    'text-embedding-3-large': { input: 0.13, cachedInput: 0.13, output: 0 },
    'text-embedding-ada-002': { input: 0.1, cachedInput: 0.1, output: 0 },
    // Anthropic's pricing page (base input, cache hits as the cached price, output), as of late 2025; its Message
    // Batches also cost half. Cache writes cost 1.25x input and are counted at the input price.
    'claude-opus-4-5': { input: 5, cachedInput: 0.5, output: 25 },
    'claude-opus-4-1': { input: 15, cachedInput: 1.5, output: 75 },
    'claude-opus-4': { input: 15, cachedInput: 1.5, output: 75 },
    'claude-sonnet-4-5': { input: 3, cachedInput: 0.3, output: 15 },
    'claude-sonnet-4': { input: 3, cachedInput: 0.3, output: 15 },
    'claude-3-7-sonnet': { input: 3, cachedInput: 0.3, output: 15 },
    'claude-haiku-4-5': { input: 1, cachedInput: 0.1, output: 5 },
    'claude-3-5-haiku': { input: 0.8, cachedInput: 0.08, output: 4 },
    'claude-3-haiku': { input: 0.25, cachedInput: 0.03, output: 1.25 },
  }),
);

/** The model whose prices stand in for a model not in the table. */
export const fallbackPricesModel = 'gpt-4o';

// OpenAI dates snapshots as -2024-07-18, Anthropic as -20250929; Anthropic's -latest aliases name the same model.
const datedSnapshot = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

function costRates(prices: DirectPrices): CostRates {
  return {
    cost_input_direct_mtoken: prices.input,
    cost_input_cached_mtoken: prices.cachedInput,
    cost_input_batch_mtoken: prices.input / 2,
    cost_output_direct_mtoken: prices.output,
    cost_output_batch_mtoken: prices.output / 2,
  };
}

/**
 * The published prices of `model`, or of the model a dated snapshot such as `gpt-4o-mini-2024-07-18` or
 * `claude-sonnet-4-5-20250929` belongs to; undefined for any other model (fine-tuned models, previews, other
 * providers), whose price is not known.
 */
export function knownPrices(model: string): CostRates | undefined {
  const prices = directPrices.get(model) ?? directPrices.get(model.replace(datedSnapshot, ''));
  return prices === undefined ? undefined : costRates(prices);
}

/** The prices used for a model not in the table: those of `fallbackPricesModel`. */
export function fallbackPrices(): CostRates {
  return costRates(directPrices.get(fallbackPricesModel) as DirectPrices);
}
