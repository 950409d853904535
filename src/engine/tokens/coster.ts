import { EngineError, InvalidInputError } from '../../shared/errors';
import { isJsonObject } from './json';

/** Prices in currency units per million tokens, under the option names of the task file and the CLI. */
export interface CostRates {
  cost_input_direct_mtoken: number;
  cost_input_cached_mtoken: number;
  cost_input_batch_mtoken: number;
  cost_output_direct_mtoken: number;
  cost_output_batch_mtoken: number;
  /** Cached input tokens in a batch; default (null/absent) the batch input price, i.e. no assumed discount. */
  cost_input_batch_cached_mtoken?: number | null;
}

/** Estimated costs of one request. */
export interface EstimatedCost {
  cost_input_direct: number;
  cost_input_batch: number;
  cost_output_direct: number;
  cost_output_batch: number;
}

/** Token counts read from a response's `usage`. */
export interface UsageTokens {
  input: number;
  cachedInput: number;
  output: number;
}

function perToken(name: string, perMillion: unknown): number {
  if (typeof perMillion !== 'number' || !Number.isFinite(perMillion) || perMillion < 0) {
    throw new InvalidInputError(`${name} must be a non-negative number, not ${JSON.stringify(perMillion)}`);
  }
  return perMillion / 1e6;
}

function tokenField(usage: Record<string, unknown>, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new EngineError('api', `Response usage field '${path}' must be a non-negative integer, not ${JSON.stringify(value)} (usage ${JSON.stringify(usage)})`);
  }
  return value;
}

/**
 * Reads prompt, cached and completion tokens from a chat completions / embeddings `usage`
 * (`prompt_tokens`, `prompt_tokens_details.cached_tokens`, `completion_tokens`) or a responses `usage`
 * (`input_tokens`, `input_tokens_details.cached_tokens`, `output_tokens`). Completion tokens include reasoning
 * tokens. Throws `EngineError('api')` for anything else.
 */
export function readUsage(usage: unknown): UsageTokens {
  if (!isJsonObject(usage)) throw new EngineError('api', `Response usage must be an object, not ${JSON.stringify(usage)}`);
  const responses = 'input_tokens' in usage;
  const [inputKey, detailsKey, outputKey] = responses
    ? ['input_tokens', 'input_tokens_details', 'output_tokens']
    : ['prompt_tokens', 'prompt_tokens_details', 'completion_tokens'];
  const input = tokenField(usage, inputKey, usage[inputKey]);
  // Embeddings usage has no completion tokens at all.
  const output = outputKey in usage || responses ? tokenField(usage, outputKey, usage[outputKey]) : 0;
  const details = usage[detailsKey];
  const cachedValue = isJsonObject(details) ? details.cached_tokens : undefined;
  const cachedInput = cachedValue === undefined || cachedValue === null ? 0 : tokenField(usage, `${detailsKey}.cached_tokens`, cachedValue);
  if (cachedInput > input) {
    throw new EngineError('api', `Response usage has more cached tokens (${cachedInput}) than ${inputKey} (${input})`);
  }
  return { input, cachedInput, output };
}

/** Turns token counts into costs (engine.md §7.1–7.3). */
export class TokenCoster {
  private readonly inputDirect: number;
  private readonly inputCached: number;
  private readonly inputBatch: number;
  private readonly inputBatchCached: number;
  private readonly outputDirect: number;
  private readonly outputBatch: number;

  /** Throws `InvalidInputError` naming the first price that is negative or not a number. */
  constructor(rates: CostRates) {
    this.inputDirect = perToken('cost_input_direct_mtoken', rates.cost_input_direct_mtoken);
    this.inputCached = perToken('cost_input_cached_mtoken', rates.cost_input_cached_mtoken);
    this.inputBatch = perToken('cost_input_batch_mtoken', rates.cost_input_batch_mtoken);
    this.outputDirect = perToken('cost_output_direct_mtoken', rates.cost_output_direct_mtoken);
    this.outputBatch = perToken('cost_output_batch_mtoken', rates.cost_output_batch_mtoken);
    const batchCached = rates.cost_input_batch_cached_mtoken;
    this.inputBatchCached =
      batchCached === undefined || batchCached === null ? this.inputBatch : perToken('cost_input_batch_cached_mtoken', batchCached);
  }

  /** Estimated costs of one request (engine.md 7.1). */
  estimate(inputTokens: number, assumedOutputTokens: number): EstimatedCost {
    return {
      cost_input_direct: inputTokens * this.inputDirect,
      cost_input_batch: inputTokens * this.inputBatch,
      cost_output_direct: assumedOutputTokens * this.outputDirect,
      cost_output_batch: assumedOutputTokens * this.outputBatch,
    };
  }

  /**
   * True cost of one response from its usage object (chat `usage`, or responses `usage`), using this response's
   * own cached tokens: direct = uncached·input_direct + cached·input_cached + completion·output_direct;
   * batch = uncached·input_batch + cached·input_batch_cached + completion·output_batch.
   */
  trueCost(usage: unknown, mode: 'direct' | 'batch'): number {
    const { input, cachedInput, output } = readUsage(usage);
    const uncached = input - cachedInput;
    if (mode === 'direct') return uncached * this.inputDirect + cachedInput * this.inputCached + output * this.outputDirect;
    return uncached * this.inputBatch + cachedInput * this.inputBatchCached + output * this.outputBatch;
  }
}
