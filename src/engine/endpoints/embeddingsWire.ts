import { z } from 'zod';
import { InvalidInputError } from '../../shared/errors';
import { addUsage } from '../requester/accounting';
import { checkAnswerBody, errorInfo, type ProcessedResponse } from '../requester/responses';
import type { EndpointWire } from './endpointWire';

const embeddingsPath = '/v1/embeddings';

/** The provider's limit on embedding inputs across all requests of one batch. */
export const embeddingsBatchInputLimit = 50_000;

const embeddingsSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(z.looseObject({ index: z.number().int().nonnegative(), embedding: z.union([z.array(z.number()), z.string()]) })),
  model: z.string(),
  usage: z.looseObject({}).nullable().optional(),
});

/**
 * Inputs of an embeddings body: a string or a token array is one input, a list of strings or of token arrays one
 * per entry.
 */
export function embeddingInputCount(payload: Record<string, unknown>): number {
  const input = payload.input;
  if (!Array.isArray(input)) return 1;
  return input.length > 0 && input.every((entry) => typeof entry === 'number') ? 1 : input.length;
}

/** A base64 embedding (`encoding_format: "base64"`) as the little-endian float32 values it encodes. */
function decodeBase64Vector(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4)));
}

/**
 * Interprets one embeddings body: one vector per input, in input order (base64 vectors are decoded, so results
 * always hold numbers). A missing or extra vector is a retryable error.
 */
export function processEmbeddingsBody(body: unknown, payload: Record<string, unknown>, _parseInfo: Record<string, unknown> | null, providerRequestId: string | undefined): ProcessedResponse {
  const checked = checkAnswerBody(body, 'list', embeddingsSchema, 'embeddings list');
  if ('failed' in checked) return checked.failed;
  const list = checked.data;
  list.data.sort((a, b) => a.index - b.index);
  for (const item of list.data) {
    if (typeof item.embedding === 'string') item.embedding = decodeBase64Vector(item.embedding);
  }
  const expected = embeddingInputCount(payload);
  const complete = list.data.length === expected && list.data.every((item, position) => item.index === position);
  const error = complete ? null : errorInfo(false, 'Embeddings', 'IncorrectNum', `Expected one embedding for each of the ${expected} inputs but got indexes [${list.data.map((d) => d.index).join(', ')}]`, list.data.length);
  const payloadOut = list as Record<string, unknown>;
  if (providerRequestId !== undefined) payloadOut._request_id = providerRequestId;
  return { resp: { payload: payloadOut, model: list.model, system_fingerprint: '', usage: addUsage({}, list.usage ?? {}) }, error, warnings: [] };
}

/** `/v1/embeddings`: inputs in, one vector per input out; no output tokens. */
export const embeddingsWire: EndpointWire = {
  path: embeddingsPath,
  batchInputLimit: embeddingsBatchInputLimit,
  withoutServiceTiers: true,
  prompt: 'text',
  bodyKeys: ['input'],
  buildBody(parts) {
    if (parts.text === undefined || parts.messages !== undefined) throw new InvalidInputError(`endpoint ${embeddingsPath} takes a text to embed (embed), not messages`);
    if (parts.structured) throw new InvalidInputError(`endpoint ${embeddingsPath} answers with vectors and takes no response schema`);
    return { ...parts.request, input: parts.text };
  },
  answerOutput(payload) {
    const vectors = ((payload.data as { embedding?: unknown }[] | undefined) ?? []).map((item) => item.embedding);
    return vectors.length === 1 ? vectors[0] : vectors;
  },
  inputCount: embeddingInputCount,
  callDirect: (client, payload, options) => client.embeddings.create(payload as never, options).withResponse(),
  processResponse: processEmbeddingsBody,
};
