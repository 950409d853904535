import { invalidRequest } from './apiError';
import { canonicalJson, hashHex, pick, pickIndex, unitFloat } from './deterministic';
import { builtInResponders, type Responder } from './responders';
import { generateFromSchema } from './schemaAnswer';
import { countPromptTokens, countTokens, messageText, truncateToTokens } from './tokens';

/** A chat completion in OpenAI's wire format (non-streaming). */
export interface ChatCompletionBody {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string; refusal: null };
    logprobs: null;
    finish_reason: 'stop' | 'length';
  }[];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
    completion_tokens_details: {
      reasoning_tokens: number;
      audio_tokens: number;
      accepted_prediction_tokens: number;
      rejected_prediction_tokens: number;
    };
  };
  service_tier: string;
  system_fingerprint: string;
}

const serviceTiers = ['auto', 'default', 'flex', 'priority'];

/** The tier a completion reports: the one requested, where `auto` (and no tier) is served by the standard one. */
function servedTier(requested: unknown): string {
  return typeof requested === 'string' && requested !== 'auto' ? requested : 'default';
}

/** Models that spend reasoning tokens before they answer. */
export const reasoningModel = /^(o1|o3|o4|gpt-5)/;
const cacheMinimum = 1024;
const cacheBlock = 128;
const textEndings = [
  'Here is a short, simulated answer.',
  'This reply comes from the local simulator.',
  'A simulated assistant wrote these words.',
  'The simulator answers every prompt briefly.',
];

/**
 * Checks a chat completion request body the way the API does for what the simulator relies on; throws a 400
 * `SimHttpError` naming the parameter otherwise.
 */
export function validateChatRequest(body: unknown): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  const { model, messages, stream, n, response_format: format } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model.length === 0) throw invalidRequest('you must provide a model parameter', 'model');
  if (!Array.isArray(messages)) throw invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (messages.length === 0) throw invalidRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages', 'empty_array');
  if (stream === true) throw invalidRequest('Streaming is not supported by the GPT Batch simulator.', 'stream', 'unsupported_value');
  const tier = (body as Record<string, unknown>).service_tier;
  if (tier !== undefined && tier !== null && !(typeof tier === 'string' && serviceTiers.includes(tier))) {
    throw invalidRequest(`Invalid value for 'service_tier': expected one of ${serviceTiers.join(', ')}, got ${JSON.stringify(tier)}.`, 'service_tier', 'invalid_value');
  }
  if (n !== undefined && n !== null && !(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 128)) {
    throw invalidRequest(`Invalid 'n': expected an integer between 1 and 128, got ${JSON.stringify(n)}.`, 'n', 'invalid_value');
  }
  for (const key of ['max_completion_tokens', 'max_tokens']) {
    const limit = (body as Record<string, unknown>)[key];
    if (limit !== undefined && limit !== null && !(Number.isInteger(limit) && (limit as number) >= 1)) {
      throw invalidRequest(`Invalid '${key}': expected a positive integer, got ${JSON.stringify(limit)}.`, key, 'invalid_value');
    }
  }
  if (format !== undefined && format !== null) {
    const { type, json_schema: jsonSchema } = format as Record<string, unknown>;
    if (type === 'json_schema' && (jsonSchema === null || typeof jsonSchema !== 'object' || typeof (jsonSchema as Record<string, unknown>).name !== 'string')) {
      throw invalidRequest("Missing required parameter: 'response_format.json_schema.name'.", 'response_format.json_schema.name', 'missing_required_parameter');
    }
    if (type !== 'json_schema' && type !== 'json_object' && type !== 'text') {
      throw invalidRequest(`Invalid value for 'response_format.type': ${JSON.stringify(type)}.`, 'response_format.type', 'invalid_value');
    }
  }
}

/** Token figures of a request known before answering it, for rate limits and batch queue limits. */
export function requestTokenEstimate(body: Record<string, unknown>): number {
  const limit = body.max_completion_tokens ?? body.max_tokens;
  return countPromptTokens(body) + (typeof limit === 'number' ? limit : 0);
}

/**
 * The simulated completion of a valid request. Deterministic from the body and the identity (custom_id for batch
 * lines, X-Client-Request-Id for direct calls) apart from `created`.
 */
export function createChatCompletion(
  body: Record<string, unknown>,
  identity: string,
  createdAt: number,
  responders: ReadonlyMap<string, Responder> = builtInResponders,
): ChatCompletionBody {
  const requestKey = hashHex(canonicalJson(body), identity);
  const model = body.model as string;
  const choiceCount = typeof body.n === 'number' ? body.n : 1;
  const limitValue = body.max_completion_tokens ?? body.max_tokens;
  const limit = typeof limitValue === 'number' ? limitValue : undefined;
  const promptTokens = countPromptTokens(body);
  let completionTokens = 0;
  let reasoningTokens = 0;
  const choices: ChatCompletionBody['choices'] = [];
  for (let index = 0; index < choiceCount; index += 1) {
    const variation = hashHex(requestKey, index);
    let reasoning = reasoningModel.test(model) ? 64 * (1 + pickIndex(4, variation, 'reasoning')) : 0;
    if (limit !== undefined) reasoning = Math.min(reasoning, Math.floor(limit / 2));
    let content = choiceContent(body, variation, responders);
    let finishReason: 'stop' | 'length' = 'stop';
    if (limit !== undefined && countTokens(content) > limit - reasoning) {
      content = truncateToTokens(content, limit - reasoning);
      finishReason = 'length';
    }
    completionTokens += countTokens(content) + reasoning;
    reasoningTokens += reasoning;
    choices.push({ index, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason });
  }
  return {
    id: `chatcmpl-${requestKey.slice(0, 29)}`,
    object: 'chat.completion',
    created: createdAt,
    model,
    choices,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens(promptTokens, requestKey), audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: reasoningTokens,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: servedTier(body.service_tier),
    system_fingerprint: `fp_${hashHex(model).slice(0, 10)}`,
  };
}

// Prompt caching works on prefixes of at least 1024 tokens, in blocks of 128; whether a prefix is cached varies.
export function cachedTokens(promptTokens: number, requestKey: string): number {
  if (promptTokens < cacheMinimum || unitFloat(requestKey, 'cache') < 0.5) return 0;
  const extraBlocks = Math.floor((promptTokens - cacheMinimum) / cacheBlock);
  return cacheMinimum + cacheBlock * pickIndex(extraBlocks + 1, requestKey, 'cached-blocks');
}

/** The structured-output request of a body, whatever the endpoint spells it as. */
export interface AnswerFormat {
  type: unknown;
  /** The json_schema's name and schema (only for type json_schema). */
  name?: unknown;
  schema?: unknown;
}

/**
 * The text of a simulated answer: JSON satisfying a json_schema format (from a built-in responder for known schema
 * names), a JSON object for json_object, else a short sentence about the prompt.
 */
export function answerText(format: AnswerFormat | undefined, lastUserText: string, variation: string, responders: ReadonlyMap<string, Responder>): string {
  if (format?.type === 'json_schema') {
    const answer = responders.get(format.name as string)?.({ lastUserText, schema: format.schema, variation });
    return JSON.stringify(answer ?? generateFromSchema(format.schema, variation));
  }
  const topic = lastUserText.replace(/\s+/g, ' ').trim().slice(0, 60);
  if (format?.type === 'json_object') {
    return JSON.stringify({ answer: `Simulated answer about: ${topic}`, confidence: Math.round(unitFloat(variation, 'confidence') * 100) / 100 });
  }
  return `You asked about "${topic}". ${pick(textEndings, variation, 'ending')}`;
}

function choiceContent(body: Record<string, unknown>, variation: string, responders: ReadonlyMap<string, Responder>): string {
  const format = body.response_format as Record<string, unknown> | undefined | null;
  const jsonSchema = (format?.json_schema ?? {}) as Record<string, unknown>;
  const answerFormat = format ? { type: format.type, name: jsonSchema.name, schema: jsonSchema.schema } : undefined;
  return answerText(answerFormat, lastUserMessageText(body.messages as unknown[]), variation, responders);
}

/** The text of the last message with role user of a chat `messages` or Responses `input` list. */
export function lastUserMessageText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i] as Record<string, unknown> | null;
    if (message?.role === 'user') return messageText(message.content);
  }
  return '';
}
