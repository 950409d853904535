import { z } from 'zod';
import { validateJson } from '../schema/validate';
import { responseFormatFor } from '../schema/strict';
import type { JsonSchema } from '../schema/jsonSchema';
import { addUsage } from '../requester/accounting';
import { checkAnswerBody, errorInfo, type ProcessedResponse } from '../requester/responses';
import type { ErrorInfo } from '../requester/results';
import { isJsonObject } from '../tokens/json';
import { requireMessages, type EndpointWire } from './endpointWire';

/** Interpretation of chat completion responses (engine.md 6.2, 6.3). */

const knownFinishReasons = new Set(['stop', 'length', 'content_filter', 'tool_calls', 'function_call']);
const failedFinishReasons = new Set(['length', 'content_filter']);
const noContentFinishReasons = new Set(['content_filter', 'tool_calls', 'function_call']);

const chatCompletionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      finish_reason: z.string().nullable(),
      message: z.looseObject({
        role: z.string(),
        content: z.string().nullable().optional(),
        refusal: z.string().nullable().optional(),
        audio: z.unknown().optional(),
        tool_calls: z.array(z.looseObject({ function: z.looseObject({ name: z.string(), arguments: z.string() }).optional() })).nullable().optional(),
      }),
    }),
  ),
  usage: z.looseObject({}).nullable().optional(),
  system_fingerprint: z.string().nullable().optional(),
});
type ChatCompletion = z.infer<typeof chatCompletionSchema>;

const isOptionalText = (value: unknown) => value === undefined || value === null || typeof value === 'string';

function isSoundToolCall(call: unknown): boolean {
  if (!isJsonObject(call)) return false;
  const fn = call.function;
  return fn === undefined || (isJsonObject(fn) && typeof fn.name === 'string' && typeof fn.arguments === 'string');
}

function isSoundChoice(choice: unknown): boolean {
  if (!isJsonObject(choice) || !Number.isSafeInteger(choice.index) || !(choice.finish_reason === null || typeof choice.finish_reason === 'string')) return false;
  const message = choice.message;
  if (!isJsonObject(message) || typeof message.role !== 'string' || !isOptionalText(message.content) || !isOptionalText(message.refusal)) return false;
  const calls = message.tool_calls;
  return calls === undefined || calls === null || (Array.isArray(calls) && calls.every(isSoundToolCall));
}

/** What `chatCompletionSchema` checks, without its cost (each answer of a 50,000-line batch passes through here). */
function isSoundChatCompletion(body: unknown): body is ChatCompletion {
  if (!isJsonObject(body)) return false;
  const usage = body.usage;
  return (
    typeof body.id === 'string' &&
    body.object === 'chat.completion' &&
    typeof body.created === 'number' &&
    typeof body.model === 'string' &&
    Array.isArray(body.choices) &&
    body.choices.every(isSoundChoice) &&
    (usage === undefined || usage === null || isJsonObject(usage)) &&
    isOptionalText(body.system_fingerprint)
  );
}

function schemaOf(payload: Record<string, unknown>): Record<string, unknown> | undefined {
  const format = payload.response_format as { type?: unknown; json_schema?: { schema?: unknown } } | undefined;
  if (!format || format.type !== 'json_schema') return undefined;
  const schema = format.json_schema?.schema;
  return schema !== null && typeof schema === 'object' ? (schema as Record<string, unknown>) : undefined;
}

/** Sets the error unless a fatal one is already recorded; a fatal error replaces a non-fatal one. */
function setError(current: ErrorInfo | null, next: ErrorInfo, replaceNonFatal: boolean): ErrorInfo {
  if (current === null) return next;
  if (current.fatal) return current;
  return replaceNonFatal ? next : current;
}

/**
 * Parses structured outputs: each choice's JSON content validated against the request's `response_format` schema
 * goes into `message.parsed`, and strict tool calls get `parsed_arguments`. Returns the first parse error.
 */
function autoParse(completion: ChatCompletion, payload: Record<string, unknown>): ErrorInfo | null {
  const schema = schemaOf(payload);
  for (const choice of completion.choices) {
    if (choice.finish_reason !== null && failedFinishReasons.has(choice.finish_reason)) {
      return errorInfo(false, 'AutoParse', 'FinishReason', `Cannot parse choice ${choice.index} as it finished due to '${choice.finish_reason}'`, choice.index);
    }
  }
  for (const choice of completion.choices) {
    const message = choice.message as Record<string, unknown> & { content?: string | null };
    message.parsed = null;
    if (schema !== undefined && typeof message.content === 'string' && !message.refusal) {
      let value: unknown;
      try {
        value = JSON.parse(message.content);
      } catch (error) {
        return errorInfo(false, 'AutoParse', 'ValidationError', `Choice ${choice.index} content is not valid JSON: ${(error as Error).message}`, choice.index);
      }
      const problems = validateJson(schema, value);
      if (problems.length > 0) {
        return errorInfo(false, 'AutoParse', 'ValidationError', `Choice ${choice.index} does not match the response schema: ${problems.slice(0, 3).join('; ')}`, choice.index);
      }
      message.parsed = value;
    }
    for (const call of (message.tool_calls as { function?: { arguments: string } & Record<string, unknown> }[] | null | undefined) ?? []) {
      if (!call.function) continue;
      try {
        call.function.parsed_arguments = JSON.parse(call.function.arguments);
      } catch (error) {
        return errorInfo(false, 'AutoParse', 'ValidationError', `Choice ${choice.index} tool call arguments are not valid JSON: ${(error as Error).message}`, choice.index);
      }
    }
  }
  if (schema !== undefined && completion.choices.some((c) => (c.message as { parsed?: unknown }).parsed === null)) {
    return errorInfo(false, 'AutoParse', 'ParsedNone', 'At least one choice has no parsed structured output (refusal or no content)');
  }
  return null;
}

/**
 * Interprets one chat completion body for the request it answers (engine.md 6.3). `providerRequestId` is the
 * output line's `id` (batch) or the `x-request-id` header (direct).
 */
export function processChatCompletion(
  body: unknown,
  payload: Record<string, unknown>,
  parseInfo: Record<string, unknown> | null,
  providerRequestId: string | undefined,
): ProcessedResponse {
  const parsed = checkAnswerBody(body, 'chat.completion', chatCompletionSchema, 'chat completion', 'object', isSoundChatCompletion);
  if ('failed' in parsed) return parsed.failed;
  const completion = parsed.data;
  let error: ErrorInfo | null = parseInfo !== null ? autoParse(completion, payload) : null;
  const warnings: ErrorInfo[] = [];

  const expected = typeof payload.n === 'number' ? payload.n : 1;
  if (completion.choices.length !== expected) {
    warnings.push(errorInfo(false, 'MessageChoices', 'IncorrectNum', `Expected ${expected} choices but got ${completion.choices.length}`, completion.choices.length));
  }
  let numValid = 0;
  for (const choice of completion.choices) {
    const reason = choice.finish_reason ?? '';
    const message = choice.message;
    if (!knownFinishReasons.has(reason)) {
      error = setError(error, errorInfo(true, 'MessageChoice', 'FinishReason', `Choice ${choice.index} has unrecognised finish reason '${reason}'`, choice.index), true);
    } else if (!noContentFinishReasons.has(reason) && message.content == null && message.refusal == null && message.audio == null) {
      error = setError(error, errorInfo(true, 'MessageChoice', 'NoContent', `Choice ${choice.index} has no content, refusal or audio`, choice.index), true);
    } else if (message.refusal) {
      warnings.push(errorInfo(false, 'MessageChoice', 'Refusal', `Choice ${choice.index} refused: ${message.refusal}`, choice.index));
    } else if (failedFinishReasons.has(reason)) {
      warnings.push(errorInfo(false, 'MessageChoice', 'FinishReason', `Choice ${choice.index} finished due to '${reason}'`, choice.index));
    } else {
      numValid += 1;
    }
  }
  if (completion.choices.length > 0 && numValid === 0 && error === null) {
    error = errorInfo(false, 'MessageChoices', 'NoneValid', 'None of the response choices is valid');
  }
  const payloadOut = completion as Record<string, unknown>;
  if (providerRequestId !== undefined) payloadOut._request_id = providerRequestId;
  return {
    resp: {
      payload: payloadOut,
      model: completion.model,
      system_fingerprint: completion.system_fingerprint ?? '',
      usage: addUsage({}, completion.usage ?? {}),
    },
    error,
    warnings,
  };
}

/** `/v1/chat/completions`: messages in, choices out; structured output through `response_format`. */
export const chatCompletionsWire: EndpointWire = {
  path: '/v1/chat/completions',
  prompt: 'messages',
  bodyKeys: ['messages', 'response_format', 'stream'],
  buildBody(parts) {
    const body: Record<string, unknown> = { ...parts.request, messages: requireMessages(parts, this.path) };
    if (parts.structured) body.response_format = responseFormatFor(parts.structured.name, parts.structured.schema as JsonSchema);
    return body;
  },
  answerOutput(payload) {
    const message = ((payload.choices as { message?: { parsed?: unknown; content?: unknown } }[] | undefined) ?? [])[0]?.message;
    return message?.parsed ?? message?.content;
  },
  inputCount: () => 1,
  callDirect: (client, payload, options) => client.chat.completions.create(payload as never, options).withResponse(),
  processResponse: processChatCompletion,
};
