import { invalidRequest } from './apiError';
import { answerText, cachedTokens, lastUserMessageText, reasoningModel } from './chat';
import { canonicalJson, hashHex, pickIndex } from './deterministic';
import { builtInResponders, type Responder } from './responders';
import type { BatchUsageFigures } from './persistence';
import { countResponsesInputTokens, countTokens, truncateToTokens } from './tokens';

/** The usage of a Responses API answer: the shape the batch object's `usage` has too. */
export type ResponseUsage = BatchUsageFigures;

/** A Responses API response object (non-streaming, the parts the simulator produces). */
export interface ResponseBody {
  id: string;
  object: 'response';
  created_at: number;
  status: 'completed' | 'incomplete';
  error: null;
  incomplete_details: { reason: 'max_output_tokens' } | null;
  instructions: unknown;
  max_output_tokens: number | null;
  model: string;
  output: Record<string, unknown>[];
  text: unknown;
  usage: ResponseUsage;
}

/** The API's smallest accepted `max_output_tokens`. */
const minOutputTokens = 16;

/** Checks a Responses request body for what the simulator relies on; throws a 400 naming the parameter otherwise. */
export function validateResponsesRequest(body: unknown): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  const { model, input, stream, max_output_tokens: limit, text } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model.length === 0) throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (typeof input !== 'string' && !Array.isArray(input)) throw invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  if (Array.isArray(input) && input.length === 0) throw invalidRequest("Invalid 'input': empty array. Expected an array with minimum length 1.", 'input', 'empty_array');
  if (stream === true) throw invalidRequest('Streaming is not supported by the GPT Batch simulator.', 'stream', 'unsupported_value');
  if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && (limit as number) >= minOutputTokens)) {
    throw invalidRequest(`Invalid 'max_output_tokens': integer below minimum value. Expected a value >= ${minOutputTokens}, but got ${JSON.stringify(limit)} instead.`, 'max_output_tokens', 'integer_below_min_value');
  }
  const format = text !== null && typeof text === 'object' ? (text as Record<string, unknown>).format : undefined;
  if (format !== undefined && format !== null) {
    const { type, name, schema } = format as Record<string, unknown>;
    if (type !== 'json_schema' && type !== 'json_object' && type !== 'text') throw invalidRequest(`Invalid value for 'text.format.type': ${JSON.stringify(type)}.`, 'text.format.type', 'invalid_value');
    if (type === 'json_schema' && typeof name !== 'string') throw invalidRequest("Missing required parameter: 'text.format.name'.", 'text.format.name', 'missing_required_parameter');
    if (type === 'json_schema' && (schema === null || typeof schema !== 'object')) throw invalidRequest("Missing required parameter: 'text.format.schema'.", 'text.format.schema', 'missing_required_parameter');
  }
}

function lastUserText(input: unknown): string {
  return typeof input === 'string' ? input : lastUserMessageText(input as unknown[]);
}

/**
 * The simulated response to a valid request: deterministic from the body and the identity (custom_id or
 * X-Client-Request-Id) apart from `created_at`; input tokens as the engine's estimator counts them.
 */
export function createResponse(body: Record<string, unknown>, identity: string, createdAt: number, responders: ReadonlyMap<string, Responder> = builtInResponders): ResponseBody {
  const requestKey = hashHex(canonicalJson(body), identity);
  const model = body.model as string;
  const limit = typeof body.max_output_tokens === 'number' ? body.max_output_tokens : undefined;
  let reasoning = reasoningModel.test(model) ? 64 * (1 + pickIndex(4, requestKey, 'reasoning')) : 0;
  if (limit !== undefined) reasoning = Math.min(reasoning, Math.floor(limit / 2));
  const format = (body.text as { format?: Record<string, unknown> } | undefined)?.format;
  let text = answerText(format ? { type: format.type, name: format.name, schema: format.schema } : undefined, lastUserText(body.input), requestKey, responders);
  let incomplete = false;
  if (limit !== undefined && countTokens(text) > limit - reasoning) {
    text = truncateToTokens(text, limit - reasoning);
    incomplete = true;
  }
  const outputTokens = countTokens(text) + reasoning;
  const inputTokens = countResponsesInputTokens(body);
  const output: Record<string, unknown>[] = [];
  if (reasoning > 0) output.push({ type: 'reasoning', id: `rs_${requestKey.slice(0, 40)}`, summary: [] });
  output.push({
    type: 'message',
    id: `msg_${requestKey.slice(8, 48)}`,
    status: incomplete ? 'incomplete' : 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  });
  return {
    id: `resp_${requestKey.slice(0, 48)}`,
    object: 'response',
    created_at: createdAt,
    status: incomplete ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: limit ?? null,
    model,
    output,
    text: body.text ?? { format: { type: 'text' } },
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: cachedTokens(inputTokens, requestKey) },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: reasoning },
      total_tokens: inputTokens + outputTokens,
    },
  };
}
