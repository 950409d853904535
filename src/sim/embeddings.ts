import { invalidRequest } from './apiError';
import { hashHex } from './deterministic';
import { countEmbeddingsInputTokens } from './tokens';

/** An embeddings answer (`object: "list"`). */
export interface EmbeddingsBody {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Most inputs of one embeddings request. */
const maxInputs = 2048;

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((n) => Number.isInteger(n) && n >= 0);
}

/** The inputs of a valid body, one per vector to return. */
function inputsOf(input: unknown): unknown[] {
  if (typeof input === 'string' || isTokenArray(input)) return [input];
  return input as unknown[];
}

/** Inputs of any body, valid or not, as the batch input limit counts them (a body without a list counts one). */
export function embeddingInputCount(body: unknown): number {
  const input = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).input : undefined;
  return Array.isArray(input) && !isTokenArray(input) ? input.length : 1;
}

/** The API's limit on embedding inputs across all requests of one batch. */
export const maxBatchInputs = 50_000;

/** Checks an embeddings request body for what the simulator relies on; throws a 400 naming the parameter otherwise. */
export function validateEmbeddingsRequest(body: unknown): asserts body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
  const { model, input, encoding_format: encoding, dimensions } = body as Record<string, unknown>;
  if (typeof model !== 'string' || model.length === 0) throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  const valid =
    (typeof input === 'string' && input.length > 0) ||
    isTokenArray(input) ||
    (Array.isArray(input) && input.length > 0 && input.length <= maxInputs && input.every((entry) => (typeof entry === 'string' && entry.length > 0) || isTokenArray(entry)));
  if (!valid) throw invalidRequest(`Invalid 'input': expected a non-empty string, a token array, or a list of 1 to ${maxInputs} of them.`, 'input', 'invalid_value');
  if (encoding !== undefined && encoding !== null && encoding !== 'float' && encoding !== 'base64') {
    throw invalidRequest(`Invalid value for 'encoding_format': ${JSON.stringify(encoding)}. Supported values are: 'float' and 'base64'.`, 'encoding_format', 'invalid_value');
  }
  if (dimensions !== undefined && dimensions !== null && !(Number.isInteger(dimensions) && (dimensions as number) >= 1 && (dimensions as number) <= 3072)) {
    throw invalidRequest(`Invalid 'dimensions': expected an integer between 1 and 3072, got ${JSON.stringify(dimensions)}.`, 'dimensions', 'invalid_value');
  }
}

/**
 * A unit vector that depends only on the model and the input (like a real embedding, the same text always embeds
 * the same), in float32 precision so that float and base64 answers carry the same numbers.
 */
export function embeddingVector(model: string, input: unknown, dimensions: number): Float32Array {
  let seed = Number.parseInt(hashHex(model, JSON.stringify(input)).slice(0, 8), 16) >>> 0;
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i += 1) {
    // xorshift32: fast and deterministic; the values only need to look like an embedding.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const value = ((seed >>> 0) / 0xffffffff) * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i += 1) vector[i] = (vector[i] as number) * scale;
  return vector;
}

function defaultDimensions(model: string): number {
  return model.includes('large') ? 3072 : 1536;
}

/** The simulated embeddings of a valid request: one vector per input, input tokens as the engine's estimator counts them. */
export function createEmbeddings(body: Record<string, unknown>): EmbeddingsBody {
  const model = body.model as string;
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : defaultDimensions(model);
  const data = inputsOf(body.input).map((input, index) => {
    const vector = embeddingVector(model, input, dimensions);
    const embedding = body.encoding_format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
    return { object: 'embedding' as const, index, embedding };
  });
  const promptTokens = countEmbeddingsInputTokens(body);
  return { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}
