import { EngineError } from '../../shared/errors';
import type { Logger } from '../../engine';
import { TokenEstimator } from '../../engine';
import { isJsonObject } from '../../engine';
import type { EstimateFlags } from './flags';
import { ModelPricing, type ModelPrice } from './modelPricing';

/** The estimate of one line; costs are not rounded. */
export interface EstimatedLine {
  line: number;
  custom_id?: string;
  model: string;
  input_tokens: number;
  assumed_output_tokens: number;
  cost_batch: number;
  cost_direct: number;
}

/** A line that could not be estimated; `error` starts with `line N: `. */
export interface FailedLine {
  line: number;
  error: string;
  /** The model of a request that was read but could not be estimated. */
  model?: string;
}

export type LineResult = EstimatedLine | FailedLine;

interface LineRequest {
  endpoint: string;
  body: Record<string, unknown>;
  model: string;
  customId?: string;
}

/** The request on one line, or why the line is not one. */
function readRequest(value: unknown, defaultEndpoint: string): LineRequest | string {
  if (!isJsonObject(value)) return 'not a request (expected a JSON object)';
  let endpoint = defaultEndpoint;
  let body = value;
  let customId: string | undefined;
  if ('body' in value || 'url' in value || 'custom_id' in value) {
    if (typeof value.url !== 'string') return 'batch input line without a string "url"';
    if (!isJsonObject(value.body)) return 'batch input line without a "body" object';
    endpoint = value.url;
    body = value.body;
    if (typeof value.custom_id === 'string') customId = value.custom_id;
  }
  const model = body.model;
  if (typeof model !== 'string') return 'not a request (no string "model")';
  if (endpoint === '/v1/chat/completions' && !Array.isArray(body.messages)) return 'chat request without a "messages" list';
  if (endpoint === '/v1/embeddings' && body.input === undefined) return 'embeddings request without "input"';
  if (endpoint === '/v1/responses' && body.input === undefined && body.instructions === undefined) {
    return 'responses request without "input" or "instructions"';
  }
  return { endpoint, body, model, ...(customId !== undefined ? { customId } : {}) };
}

/** Estimates lines of a requests file one at a time, with one estimator and one price per model for all of them. */
export class LineEstimator {
  private readonly estimator: TokenEstimator;
  private readonly pricing: ModelPricing;

  constructor(
    private readonly flags: Pick<EstimateFlags, 'endpoint' | 'completionRatio' | 'priceFlags' | 'warn'>,
    logger: Logger,
  ) {
    this.estimator = new TokenEstimator({ warn: flags.warn, logger });
    this.pricing = new ModelPricing(flags.priceFlags, (message) => logger.warn(message));
  }

  /** The estimate of the line `text` (line number `line`, 1-based), or why it has none. */
  estimate(text: string, line: number): LineResult {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { line, error: `line ${line}: not valid JSON (${(error as Error).message})` };
    }
    const request = readRequest(value, this.flags.endpoint);
    if (typeof request === 'string') return { line, error: `line ${line}: ${request}` };
    const { endpoint, body, model } = request;
    let input: number;
    let output: number;
    try {
      input = this.estimator.estimateInput(body, endpoint).total;
      output = this.estimator.estimateOutput(body, endpoint, this.flags.completionRatio).assumed;
    } catch (error) {
      if (!EngineError.is(error, 'invalidInput')) throw error;
      return { line, error: `line ${line}: ${error.message}`, model };
    }
    const cost = this.priceOf(model).coster.estimate(input, output);
    return {
      line,
      ...(request.customId !== undefined ? { custom_id: request.customId } : {}),
      model,
      input_tokens: input,
      assumed_output_tokens: output,
      cost_batch: cost.cost_input_batch + cost.cost_output_batch,
      cost_direct: cost.cost_input_direct + cost.cost_output_direct,
    };
  }

  priceOf(model: string): ModelPrice {
    return this.pricing.priceOf(model);
  }
}
