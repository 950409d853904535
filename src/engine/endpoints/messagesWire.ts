import { z } from 'zod';
import { InvalidInputError } from '../../shared/errors';
import { validateJson } from '../schema/validate';
import { checkStrictSchema } from '../schema/strict';
import type { JsonSchema } from '../schema/jsonSchema';
import { addUsage } from '../requester/accounting';
import { checkAnswerBody, errorInfo, type ProcessedResponse } from '../requester/responses';
import type { ErrorInfo } from '../requester/results';
import { requireMessages, type EndpointWire } from './endpointWire';

/** Anthropic's Messages API (`/v1/messages`), whose batches and direct calls go through the Anthropic provider. */

const messageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.string(),
  model: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
  stop_reason: z.string().nullable(),
  usage: z.looseObject({}).nullable().optional(),
});

const completeStopReasons = new Set(['end_turn', 'stop_sequence', 'tool_use']);

/** The tool whose forced call carries a structured answer, if the request asks for one. */
function structuredTool(payload: Record<string, unknown>): { name: string; schema: Record<string, unknown> } | undefined {
  const choice = payload.tool_choice as { type?: unknown; name?: unknown } | undefined;
  if (choice?.type !== 'tool' || typeof choice.name !== 'string') return undefined;
  const tool = ((payload.tools as { name?: unknown; input_schema?: unknown }[] | undefined) ?? []).find((t) => t.name === choice.name);
  return tool !== undefined && tool.input_schema !== null && typeof tool.input_schema === 'object' ? { name: choice.name, schema: tool.input_schema as Record<string, unknown> } : undefined;
}

/** Anthropic's `usage` in the shape every endpoint is stored in: cache reads and writes count as prompt tokens, reads as cached. */
function storedUsage(usage: Record<string, unknown> | null | undefined): Record<string, unknown> {
  if (!usage) return {};
  const count = (key: string) => (typeof usage[key] === 'number' ? (usage[key] as number) : 0);
  const prompt = count('input_tokens') + count('cache_read_input_tokens') + count('cache_creation_input_tokens');
  const completion = count('output_tokens');
  return {
    prompt_tokens: prompt,
    prompt_tokens_details: { cached_tokens: count('cache_read_input_tokens') },
    completion_tokens: completion,
    completion_tokens_details: { reasoning_tokens: 0 },
    total_tokens: prompt + completion,
  };
}

/**
 * Interprets one Anthropic Message: its text blocks go into `output_text` and, for a request that forces the
 * structured-answer tool, the validated tool input into `output_parsed`. A stop for `max_tokens` or a refusal is a
 * warning (and a parse error when structured output was asked for); an unknown stop reason or an empty answer is a
 * retryable error.
 */
export function processMessage(body: unknown, payload: Record<string, unknown>, parseInfo: Record<string, unknown> | null, providerRequestId: string | undefined): ProcessedResponse {
  const checked = checkAnswerBody(body, 'message', messageSchema, 'message', 'type');
  if ('failed' in checked) return checked.failed;
  const message = checked.data as z.infer<typeof messageSchema> & Record<string, unknown>;
  const warnings: ErrorInfo[] = [];
  let error: ErrorInfo | null = null;
  const texts = message.content.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => b.text as string);
  const tool = structuredTool(payload);
  const toolUse = tool === undefined ? undefined : message.content.find((b) => b.type === 'tool_use' && b.name === tool.name);
  message.output_text = texts.join('');
  const reason = message.stop_reason ?? 'unknown';
  if (reason === 'max_tokens' || reason === 'refusal') {
    warnings.push(errorInfo(false, 'MessageStop', reason === 'refusal' ? 'Refusal' : 'FinishReason', `Message stopped due to '${reason}'`, reason));
    if (parseInfo !== null && tool !== undefined) error = errorInfo(false, 'AutoParse', 'FinishReason', `Cannot parse the output as the message stopped due to '${reason}'`, reason);
  } else if (!completeStopReasons.has(reason)) {
    error = errorInfo(true, 'MessageStop', 'Unexpected', `Message has stop reason '${reason}'`, reason);
  } else if (texts.length === 0 && toolUse === undefined) {
    error = errorInfo(true, 'MessageContent', 'NoContent', 'Message has no text and no tool call');
  }
  if (error === null && parseInfo !== null && tool !== undefined) {
    message.output_parsed = null;
    if (toolUse === undefined) error = errorInfo(false, 'AutoParse', 'ParsedNone', `The message has no call of the tool '${tool.name}' that carries the structured output`);
    else {
      const problems = validateJson(tool.schema, toolUse.input);
      if (problems.length > 0) error = errorInfo(false, 'AutoParse', 'ValidationError', `Output does not match the response schema: ${problems.slice(0, 3).join('; ')}`);
      else message.output_parsed = toolUse.input;
    }
  }
  const payloadOut = message as Record<string, unknown>;
  if (providerRequestId !== undefined) payloadOut._request_id = providerRequestId;
  return { resp: { payload: payloadOut, model: message.model, system_fingerprint: '', usage: addUsage({}, storedUsage(message.usage)) }, error, warnings };
}

/**
 * `/v1/messages`: system messages become the `system` parameter, the rest the conversation; `max_tokens` is
 * required. Structured output is a forced call of one tool whose `input_schema` is the response schema (Anthropic's
 * long-standing way to get JSON that follows a schema).
 */
export const messagesWire: EndpointWire = {
  path: '/v1/messages',
  prompt: 'messages',
  bodyKeys: ['messages', 'system', 'stream'],
  withoutServiceTiers: true,
  anyTools: true,
  buildBody(parts) {
    const all = requireMessages(parts, this.path);
    if (typeof parts.request.max_tokens !== 'number') throw new InvalidInputError("request.max_tokens is required by Anthropic's Messages API (the most tokens of each answer); set it in the task's request");
    const system = all.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content);
    const body: Record<string, unknown> = { ...parts.request, messages: all.filter((m) => m.role !== 'system' && m.role !== 'developer') };
    if (system.length > 0) body.system = system.join('\n\n');
    if (parts.structured) {
      const { name, schema } = parts.structured;
      checkStrictSchema(schema as JsonSchema, `Response format "${name}"`);
      if (parts.request.tools !== undefined || parts.request.tool_choice !== undefined) throw new InvalidInputError('request.tools and request.tool_choice cannot be set together with a response schema (the schema defines them)');
      body.tools = [{ name, description: 'Give the answer as the input of this tool.', input_schema: schema }];
      body.tool_choice = { type: 'tool', name };
    }
    return body;
  },
  answerOutput: (payload) => payload.output_parsed ?? payload.output_text,
  inputCount: () => 1,
  callDirect() {
    throw new InvalidInputError("endpoint /v1/messages is Anthropic's Messages API: set the task's provider to anthropic");
  },
  processResponse: processMessage,
};
