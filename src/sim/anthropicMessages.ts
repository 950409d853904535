import { invalidRequest } from './apiError';
import { cachedTokens, createChatCompletion } from './chat';
import { canonicalJson, hashHex } from './deterministic';
import type { ModelEndpoint } from './modelEndpoints';
import { countMessagesInputTokens } from './tokens';

/** A Messages API answer (non-streaming, the parts the simulator produces). */
export interface MessageBody {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Record<string, unknown>[];
  stop_reason: 'end_turn' | 'max_tokens' | 'tool_use';
  stop_sequence: null;
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number };
}

const roles = new Set(['user', 'assistant']);

/** Checks a Messages request body for what the simulator relies on; throws a 400 naming the parameter otherwise. */
export function validateMessagesRequest(body: unknown): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  const { model, messages, max_tokens: maxTokens, stream, system } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model.length === 0) throw invalidRequest('model: Field required');
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) throw invalidRequest('max_tokens: Field required (an integer of at least 1)');
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest('messages: at least one message is required');
  messages.forEach((m: unknown, i) => {
    const message = m as { role?: unknown; content?: unknown } | null;
    if (message === null || typeof message !== 'object' || !roles.has(message.role as string)) throw invalidRequest(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) throw invalidRequest(`messages.${i}.content: Input should be a string or a list of content blocks`);
  });
  if (system !== undefined && typeof system !== 'string' && !Array.isArray(system)) throw invalidRequest('system: Input should be a string or a list of text blocks');
  if (stream === true) throw invalidRequest('stream: streaming is not supported by the GPT Batch simulator');
}

/** The text of a message content or `system`: the string, or its text blocks joined. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return (Array.isArray(content) ? content : [])
    .map((b: { type?: unknown; text?: unknown }) => (b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
    .join('');
}

/** The tool a request forces, whose input schema the answer then follows. */
function forcedTool(body: Record<string, unknown>): { name: string; input_schema: unknown } | undefined {
  const choice = body.tool_choice as { type?: unknown; name?: unknown } | undefined;
  if (choice?.type !== 'tool') return undefined;
  return ((body.tools as { name: string; input_schema: unknown }[] | undefined) ?? []).find((t) => t.name === choice.name);
}

/**
 * The simulated Message of a valid body: the chat completions answer of the same conversation (so the built-in
 * responders and schema answers apply), as a text block or as the input of the forced tool. Usage follows the engine's
 * Claude estimate, with a deterministic share read from the prompt cache.
 */
export function createMessage(body: Record<string, unknown>, identity: string, createdAt: number): MessageBody {
  const tool = forcedTool(body);
  const system = body.system === undefined ? [] : [{ role: 'system', content: textOf(body.system) }];
  const chatBody: Record<string, unknown> = {
    model: body.model,
    max_completion_tokens: body.max_tokens,
    messages: [...system, ...(body.messages as { role: string; content: unknown }[]).map((m) => ({ role: m.role, content: textOf(m.content) }))],
  };
  if (tool !== undefined) chatBody.response_format = { type: 'json_schema', json_schema: { name: tool.name, schema: tool.input_schema, strict: true } };
  const completion = createChatCompletion(chatBody, identity, createdAt);
  const choice = completion.choices[0] as (typeof completion.choices)[number];
  const requestKey = hashHex(canonicalJson(body), identity);
  const prompt = countMessagesInputTokens(body);
  const cached = cachedTokens(prompt, requestKey);
  const truncated = choice.finish_reason === 'length';
  const content =
    tool !== undefined && !truncated
      ? [{ type: 'tool_use', id: `toolu_${requestKey.slice(0, 24)}`, name: tool.name, input: JSON.parse(choice.message.content) as unknown }]
      : [{ type: 'text', text: choice.message.content }];
  return {
    id: `msg_${requestKey.slice(0, 24)}`,
    type: 'message',
    role: 'assistant',
    model: body.model as string,
    content,
    stop_reason: truncated ? 'max_tokens' : tool !== undefined ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: prompt - cached, output_tokens: completion.usage.completion_tokens, cache_read_input_tokens: cached, cache_creation_input_tokens: 0 },
  };
}

/** Anthropic's `/v1/messages`, directly and in Message Batches. */
export const messagesEndpoint: ModelEndpoint = {
  path: '/v1/messages',
  validate: validateMessagesRequest,
  promptTokens: countMessagesInputTokens,
  tokenEstimate: (body) => countMessagesInputTokens(body) + (body.max_tokens as number),
  answer(body, identity, createdAt) {
    const message = createMessage(body, identity, createdAt);
    const u = message.usage;
    const input = u.input_tokens + u.cache_read_input_tokens;
    return { body: message, usage: { input, cached: u.cache_read_input_tokens, output: u.output_tokens, reasoning: 0, total: input + u.output_tokens } };
  },
};
