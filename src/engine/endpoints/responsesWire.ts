import { z } from 'zod';
import { InvalidInputError } from '../../shared/errors';
import { validateJson } from '../schema/validate';
import { addUsage } from '../requester/accounting';
import { checkAnswerBody, errorInfo, type ProcessedResponse } from '../requester/responses';
import type { ErrorInfo } from '../requester/results';
import { isJsonObject } from '../tokens/json';
import { checkStrictSchema } from '../schema/strict';
import type { JsonSchema } from '../schema/jsonSchema';
import { requireMessages, type EndpointWire } from './endpointWire';

const responseSchema = z.looseObject({
  id: z.string(),
  object: z.literal('response'),
  created_at: z.number(),
  model: z.string(),
  status: z.string().optional(),
  error: z.looseObject({ code: z.string().nullable().optional(), message: z.string().optional() }).nullable().optional(),
  incomplete_details: z.looseObject({ reason: z.string().nullable().optional() }).nullable().optional(),
  output: z.array(z.looseObject({ type: z.string(), content: z.array(z.looseObject({ type: z.string() })).optional() })),
  usage: z.looseObject({}).nullable().optional(),
});

/** The JSON Schema of a `text.format` of type `json_schema`, if the request asks for structured output. */
function formatSchema(payload: Record<string, unknown>): Record<string, unknown> | undefined {
  const text = payload.text;
  const format = isJsonObject(text) ? text.format : undefined;
  if (!isJsonObject(format) || format.type !== 'json_schema') return undefined;
  return isJsonObject(format.schema) ? format.schema : undefined;
}

/** A Responses `usage` (`input_tokens`, `output_tokens` and their details) in the shape every endpoint is stored in. */
function storedUsage(usage: Record<string, unknown> | null | undefined): Record<string, unknown> {
  if (!usage) return {};
  const inputDetails = isJsonObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const outputDetails = isJsonObject(usage.output_tokens_details) ? usage.output_tokens_details : {};
  return {
    prompt_tokens: usage.input_tokens,
    prompt_tokens_details: { cached_tokens: inputDetails.cached_tokens ?? 0 },
    completion_tokens: usage.output_tokens,
    completion_tokens_details: { reasoning_tokens: outputDetails.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

/**
 * Interprets one Responses API body: the text of its `output_text` parts goes into `output_text` (as the client
 * does for direct calls, so batch and direct answers read alike) and, with auto-parse and a `text.format` JSON
 * schema, the validated JSON into `output_parsed`. A failed response is a retryable error; an incomplete one (out of
 * output tokens, filtered) a warning; a refusal a warning.
 */
export function processResponseBody(body: unknown, payload: Record<string, unknown>, parseInfo: Record<string, unknown> | null, providerRequestId: string | undefined): ProcessedResponse {
  const checked = checkAnswerBody(body, 'response', responseSchema, 'response');
  if ('failed' in checked) return checked.failed;
  const response = checked.data as z.infer<typeof responseSchema> & Record<string, unknown>;
  const warnings: ErrorInfo[] = [];
  let error: ErrorInfo | null = null;
  const texts: string[] = [];
  for (const item of response.output) {
    if (item.type !== 'message') continue;
    for (const part of item.content ?? []) {
      if (part.type === 'output_text' && typeof part.text === 'string') texts.push(part.text);
      else if (part.type === 'refusal') warnings.push(errorInfo(false, 'ResponseOutput', 'Refusal', `The model refused: ${String(part.refusal)}`));
    }
  }
  const hasText = texts.length > 0;
  response.output_text = texts.join('');
  const status = response.status ?? 'completed';
  if (status === 'failed') {
    const failure = response.error;
    error = errorInfo(false, 'ResponseStatus', 'Failed', `Response failed${failure?.code ? ` with ${failure.code}` : ''}: ${failure?.message ?? 'no reason given'}`, failure?.code ?? null);
  } else if (status === 'incomplete') {
    const reason = response.incomplete_details?.reason ?? 'unknown';
    warnings.push(errorInfo(false, 'ResponseStatus', 'Incomplete', `Response is incomplete due to '${reason}'`, reason));
    if (parseInfo !== null) error = errorInfo(false, 'AutoParse', 'FinishReason', `Cannot parse the output as the response is incomplete due to '${reason}'`, reason);
  } else if (status !== 'completed') {
    error = errorInfo(true, 'ResponseStatus', 'Unexpected', `Response has status '${status}', not 'completed'`, status);
  } else if (!hasText && warnings.length === 0) {
    error = errorInfo(true, 'ResponseOutput', 'NoContent', 'Response has no output text and no refusal');
  }
  const schema = formatSchema(payload);
  if (error === null && parseInfo !== null && schema !== undefined) {
    response.output_parsed = null;
    if (hasText) error = parseStructured(response, schema);
    else error = errorInfo(false, 'AutoParse', 'ParsedNone', 'The response has no structured output (refusal or no content)');
  }
  const payloadOut = response as Record<string, unknown>;
  if (providerRequestId !== undefined) payloadOut._request_id = providerRequestId;
  return { resp: { payload: payloadOut, model: response.model, system_fingerprint: '', usage: addUsage({}, storedUsage(response.usage)) }, error, warnings };
}

function parseStructured(response: Record<string, unknown>, schema: Record<string, unknown>): ErrorInfo | null {
  let value: unknown;
  try {
    value = JSON.parse(response.output_text as string);
  } catch (error) {
    return errorInfo(false, 'AutoParse', 'ValidationError', `Output text is not valid JSON: ${(error as Error).message}`);
  }
  const problems = validateJson(schema, value);
  if (problems.length > 0) return errorInfo(false, 'AutoParse', 'ValidationError', `Output does not match the response schema: ${problems.slice(0, 3).join('; ')}`);
  response.output_parsed = value;
  return null;
}

/** `/v1/responses`: input items in, output items out; structured output through `text.format`. */
export const responsesWire: EndpointWire = {
  path: '/v1/responses',
  prompt: 'messages',
  bodyKeys: ['input', 'stream'],
  buildBody(parts) {
    const body: Record<string, unknown> = { ...parts.request, input: requireMessages(parts, this.path) };
    if (parts.structured) {
      const { name, schema } = parts.structured;
      checkStrictSchema(schema as JsonSchema, `Response format "${name}"`);
      const text = isJsonObject(parts.request.text) ? parts.request.text : {};
      if (text.format !== undefined) throw new InvalidInputError('request.text.format cannot be set together with a response schema (the schema defines it)');
      body.text = { ...text, format: { type: 'json_schema', name, schema, strict: true } };
    }
    return body;
  },
  answerOutput: (payload) => payload.output_parsed ?? payload.output_text,
  inputCount: () => 1,
  callDirect: (client, payload, options) => client.responses.create(payload as never, options).withResponse(),
  processResponse: processResponseBody,
};
