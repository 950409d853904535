import { invalidRequest } from './apiError';
import { messagesEndpoint } from './anthropicMessages';
import { createChatCompletion, requestTokenEstimate, validateChatRequest } from './chat';
import { createEmbeddings, validateEmbeddingsRequest } from './embeddings';
import { createResponse, validateResponsesRequest } from './responsesApi';
import { countEmbeddingsInputTokens, countPromptTokens, countResponsesInputTokens } from './tokens';

/** Token figures of one answer, whatever the endpoint calls them; batch usage adds these up. */
export interface AnswerUsage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
  total: number;
}

/** An endpoint the simulator answers, directly and in batch files. */
export interface ModelEndpoint {
  readonly path: string;
  /** Throws a 400 `SimHttpError` naming the parameter when the body is not a valid request. */
  validate: (body: unknown) => asserts body is Record<string, unknown>;
  /** Input tokens of a valid body, as the engine's estimator counts them (what a batch enqueues). */
  promptTokens(body: Record<string, unknown>): number;
  /** Input plus the most output tokens of a valid body, for rate limits. */
  tokenEstimate(body: Record<string, unknown>): number;
  /** The deterministic answer to a valid body from `identity` (custom_id or X-Client-Request-Id). */
  answer(body: Record<string, unknown>, identity: string, createdAt: number): { body: unknown; usage: AnswerUsage };
}

const chatCompletions: ModelEndpoint = {
  path: '/v1/chat/completions',
  validate: validateChatRequest,
  promptTokens: countPromptTokens,
  tokenEstimate: requestTokenEstimate,
  answer(body, identity, createdAt) {
    const completion = createChatCompletion(body, identity, createdAt);
    const u = completion.usage;
    return {
      body: completion,
      usage: { input: u.prompt_tokens, cached: u.prompt_tokens_details.cached_tokens, output: u.completion_tokens, reasoning: u.completion_tokens_details.reasoning_tokens, total: u.total_tokens },
    };
  },
};

const responses: ModelEndpoint = {
  path: '/v1/responses',
  validate: validateResponsesRequest,
  promptTokens: countResponsesInputTokens,
  tokenEstimate: (body) => countResponsesInputTokens(body) + (typeof body.max_output_tokens === 'number' ? body.max_output_tokens : 0),
  answer(body, identity, createdAt) {
    const response = createResponse(body, identity, createdAt);
    const u = response.usage;
    return {
      body: response,
      usage: { input: u.input_tokens, cached: u.input_tokens_details.cached_tokens, output: u.output_tokens, reasoning: u.output_tokens_details.reasoning_tokens, total: u.total_tokens },
    };
  },
};

const embeddings: ModelEndpoint = {
  path: '/v1/embeddings',
  validate: validateEmbeddingsRequest,
  promptTokens: countEmbeddingsInputTokens,
  tokenEstimate: countEmbeddingsInputTokens,
  answer(body) {
    const list = createEmbeddings(body);
    return { body: list, usage: { input: list.usage.prompt_tokens, cached: 0, output: 0, reasoning: 0, total: list.usage.total_tokens } };
  },
};

/** The endpoints the simulator answers. */
export const modelEndpoints: readonly ModelEndpoint[] = [chatCompletions, responses, embeddings, messagesEndpoint];

/** The endpoint at `path`; a batch on another endpoint is refused with a 400 naming the supported ones. */
export function modelEndpoint(path: string): ModelEndpoint {
  const found = modelEndpoints.find((e) => e.path === path);
  if (found === undefined) {
    throw invalidRequest(`The simulator supports batches on ${modelEndpoints.map((e) => e.path).join(', ')} only, not ${path}.`, 'endpoint', 'unsupported_value');
  }
  return found;
}
