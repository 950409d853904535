import type { RequestInfo, TokensCost } from '../../shared/requesterState';
import type { StoredRequest } from '../db/requesterRecords';
import type { RequestCosting } from './costing';

/** A request as the task hands it in: the API request body and the task's own metadata. */
export interface GptRequest {
  payload: Record<string, unknown>;
  meta?: Record<string, unknown> | null;
  /** Number of retries this request already is (0 for a first attempt). */
  retry_num?: number;
}

/**
 * A request with everything the requester computes once: its ID, batch input line and size, and estimates.
 * Immutable once built.
 */
export interface CachedRequest {
  readonly id: number;
  readonly payload: Record<string, unknown>;
  readonly meta: Record<string, unknown> | null;
  readonly retry_num: number;
  readonly parse_info: Record<string, unknown> | null;
  /** The provider batch input line, including its trailing newline. */
  readonly line: string;
  /** UTF-8 bytes of `line`. */
  readonly size: number;
  readonly input_tokens: number;
  readonly max_output_tokens: number;
  readonly tokens_cost: TokensCost;
}

export function customIdOf(id: number): string {
  return `id-${id}`;
}

/** The request ID in a `custom_id` of the form `id-N`, or undefined. */
export function idOfCustomId(customId: unknown): number | undefined {
  if (typeof customId !== 'string') return undefined;
  const match = /^id-([0-9]+)$/.exec(customId);
  if (!match) return undefined;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export function batchInputLine(id: number, endpoint: string, payload: Record<string, unknown>): string {
  return batchInputLineOfJson(id, endpoint, JSON.stringify(payload));
}

/**
 * The batch input line of a request whose body is already JSON text (as the task database stores it), without
 * parsing it: the same text `batchInputLine` makes of the parsed body.
 */
export function batchInputLineOfJson(id: number, endpoint: string, payloadJson: string): string {
  return `{"custom_id":${JSON.stringify(customIdOf(id))},"method":"POST","url":${JSON.stringify(endpoint)},"body":${payloadJson}}\n`;
}

/**
 * The body's JSON text inside a line of `batchInputLineOfJson`, without serialising the body again: what follows the
 * first `"body":`, which is the line's own key (the custom ID and URL before it hold no quotes), up to the closing
 * brace and newline.
 */
export function payloadJsonOfLine(line: string): string {
  return line.slice(line.indexOf(bodyKey) + bodyKey.length, -2);
}
const bodyKey = '"body":';

/** What forming a batch needs of a queued request: its line, size and token counts, not its parsed body. */
export type QueuedLine = Pick<CachedRequest, 'id' | 'line' | 'size' | 'input_tokens' | 'max_output_tokens'>;

/** A request to build: its stored fields, and its token counts when known (else they are counted afresh). */
export type CachedRequestInput = Omit<StoredRequest, 'input_tokens' | 'max_output_tokens'> & { counts?: { inputTokens: number; maxOutputTokens: number } };

export function buildCachedRequest(input: CachedRequestInput, endpoint: string, costing: RequestCosting): CachedRequest {
  const line = batchInputLine(input.id, endpoint, input.payload);
  const counts = input.counts ?? costing.countTokens(input.payload, endpoint);
  return {
    id: input.id,
    payload: input.payload,
    meta: input.meta,
    retry_num: input.retry_num,
    parse_info: input.parse_info,
    line,
    size: Buffer.byteLength(line, 'utf8'),
    input_tokens: counts.inputTokens,
    max_output_tokens: counts.maxOutputTokens,
    tokens_cost: costing.tokensCost(counts.inputTokens, counts.maxOutputTokens),
  };
}

/** A committed request read back from the task database; its costs follow the current configuration. */
export function cachedFromStored(stored: StoredRequest, endpoint: string, costing: RequestCosting): CachedRequest {
  return buildCachedRequest({ ...stored, counts: { inputTokens: stored.input_tokens, maxOutputTokens: stored.max_output_tokens } }, endpoint, costing);
}

export function requestInfoOf(req: CachedRequest): RequestInfo {
  return { id: req.id, meta: req.meta, retry_num: req.retry_num, tokens_cost: req.tokens_cost, parse_info: req.parse_info };
}
