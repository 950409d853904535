import { invalidRequest, notFound, SimHttpError } from './apiError';
import type { BatchBody } from './batches';
import type { RouteRequest, RouteResponse, SimParts } from './routes';

/**
 * Anthropic's Message Batches over the simulator's Batches API: a created batch is a Batch API batch of
 * `/v1/messages` lines (so the timeline, per-line faults, expiry, cancelling and persistence all apply), shown in
 * Anthropic's shape, its output and error files turned into Anthropic's results JSONL.
 */

/** The most requests of one Message Batch. */
export const maxBatchRequests = 100_000;

/** Anthropic's error type for an HTTP status. */
function errorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529 || status === 503) return 'overloaded_error';
  return 'api_error';
}

/** The body of an error answered on Anthropic's routes: `{type: "error", error: {type, message}}`. */
export function anthropicErrorBody(error: SimHttpError): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: errorType(error.status), message: error.message } };
}

/** Whether a path is one of Anthropic's routes, which answer and authenticate the Anthropic way. */
export function isAnthropicPath(pathname: string): boolean {
  return pathname === '/v1/messages' || pathname.startsWith('/v1/messages/');
}

/**
 * Anthropic's authentication: the key in an `x-api-key` header or as a bearer token (what the current
 * `@anthropic-ai/sdk` sends), and the `anthropic-version` header every request carries.
 */
export function checkAnthropicHeaders(headers: RouteRequest['headers'], apiKey: string | undefined): void {
  const bearer = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1];
  const given = typeof headers['x-api-key'] === 'string' && headers['x-api-key'] !== '' ? headers['x-api-key'] : bearer;
  if (given === undefined) throw new SimHttpError(401, 'x-api-key header is required', 'authentication_error');
  if (apiKey !== undefined && given !== apiKey) throw new SimHttpError(401, 'invalid x-api-key', 'authentication_error');
  if (typeof headers['anthropic-version'] !== 'string') throw invalidRequest('anthropic-version: header is required');
}

const iso = (seconds: number | null): string | null => (seconds === null ? null : new Date(seconds * 1000).toISOString());
const ended = (batch: BatchBody) => ['completed', 'expired', 'cancelled', 'failed'].includes(batch.status);

/** One Anthropic result line of a Batch API output or error file line. */
function resultLine(raw: string): { custom_id: string; result: Record<string, unknown> } {
  const line = JSON.parse(raw) as { custom_id: string; response: { status_code: number; body: { error?: { message?: string } } } | null; error: { code: string } | null };
  if (line.error?.code === 'batch_expired') return { custom_id: line.custom_id, result: { type: 'expired' } };
  if (line.error?.code === 'batch_cancelled') return { custom_id: line.custom_id, result: { type: 'canceled' } };
  const response = line.response;
  if (response !== null && response.status_code === 200) return { custom_id: line.custom_id, result: { type: 'succeeded', message: response.body } };
  const status = response?.status_code ?? 500;
  return { custom_id: line.custom_id, result: { type: 'errored', error: { type: 'error', error: { type: errorType(status), message: response?.body.error?.message ?? 'The request failed' } } } };
}

function resultLines(batch: BatchBody, { files }: SimParts): string[] {
  const lines: string[] = [];
  for (const fileId of [batch.output_file_id, batch.error_file_id]) {
    if (fileId === null) continue;
    for (const raw of files.content(fileId).toString('utf8').split('\n')) if (raw.trim() !== '') lines.push(JSON.stringify(resultLine(raw)));
  }
  return lines;
}

function view(batch: BatchBody, request: RouteRequest, parts: SimParts): Record<string, unknown> {
  const done = ended(batch);
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  if (done) {
    for (const line of resultLines(batch, parts)) {
      const type = (JSON.parse(line) as { result: { type: 'succeeded' | 'errored' | 'canceled' | 'expired' } }).result.type;
      counts[type] += 1;
    }
  } else {
    const c = batch.request_counts;
    Object.assign(counts, { processing: parts.batches.requestTotal(batch.id) - c.completed - c.failed, succeeded: c.completed, errored: c.failed });
  }
  const endedAt = batch.completed_at ?? batch.expired_at ?? batch.cancelled_at ?? batch.failed_at;
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: done ? 'ended' : batch.status === 'cancelling' ? 'canceling' : 'in_progress',
    request_counts: counts,
    created_at: iso(batch.created_at),
    expires_at: iso(batch.expires_at),
    ended_at: done ? iso(endedAt) : null,
    cancel_initiated_at: iso(batch.cancelling_at),
    archived_at: null,
    results_url: done ? `http://${String(request.headers.host)}/v1/messages/batches/${batch.id}/results` : null,
  };
}

/** The Message Batches deleted per batch store (the Batch API has no deletion; its batches stay behind unseen). */
const deletedBatches = new WeakMap<SimParts['batches'], Set<string>>();

function isDeleted(parts: SimParts, batchId: string): boolean {
  return deletedBatches.get(parts.batches)?.has(batchId) ?? false;
}

function messageBatch(request: RouteRequest, parts: SimParts): BatchBody {
  const batch = parts.batches.retrieve(decodeURIComponent(request.params[0] ?? ''), request.nowMs);
  if (batch.endpoint !== '/v1/messages' || isDeleted(parts, batch.id)) throw notFound(`message_batch ${batch.id} not found`);
  return batch;
}

function create(request: RouteRequest, parts: SimParts): RouteResponse {
  let body: { requests?: unknown };
  try {
    body = JSON.parse(request.body.toString('utf8')) as { requests?: unknown };
  } catch {
    throw invalidRequest('The request body is not valid JSON');
  }
  const requests = body.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw invalidRequest('requests: at least one request is required');
  if (requests.length > maxBatchRequests) throw invalidRequest(`requests: a batch may hold at most ${maxBatchRequests} requests, not ${requests.length}`);
  const lines = requests.map((r: { custom_id?: unknown; params?: unknown }, i) => {
    if (typeof r.custom_id !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(r.custom_id)) throw invalidRequest(`requests.${i}.custom_id: 1 to 64 letters, digits, _ or -`);
    return JSON.stringify({ custom_id: r.custom_id, method: 'POST', url: '/v1/messages', body: r.params });
  });
  const file = parts.files.upload('message_batch_requests.jsonl', 'batch', Buffer.from(`${lines.join('\n')}\n`), request.nowMs);
  const batch = parts.batches.create({ input_file_id: file.id, endpoint: '/v1/messages', completion_window: '24h' });
  return { json: view(parts.batches.retrieve(batch.id, request.nowMs), request, parts) };
}

function list(request: RouteRequest, parts: SimParts): RouteResponse {
  const query = new URLSearchParams();
  query.set('limit', request.query.get('limit') ?? '20');
  const after = request.query.get('after_id');
  if (after !== null) query.set('after', after);
  const page = parts.batches.list(query, request.nowMs);
  const data = page.data.filter((b) => b.endpoint === '/v1/messages' && !isDeleted(parts, b.id)).map((b) => view(b, request, parts));
  return { json: { data, has_more: page.has_more, first_id: page.first_id, last_id: page.last_id } };
}

function results(request: RouteRequest, parts: SimParts): RouteResponse {
  const batch = messageBatch(request, parts);
  if (!ended(batch)) throw invalidRequest(`message_batch ${batch.id} has not ended yet`);
  const lines = resultLines(batch, parts);
  return { bytes: Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`) };
}

function remove(request: RouteRequest, parts: SimParts): RouteResponse {
  const batch = messageBatch(request, parts);
  if (!ended(batch)) throw invalidRequest(`message_batch ${batch.id} cannot be deleted while it is processing; cancel it first`);
  const deleted = deletedBatches.get(parts.batches) ?? new Set<string>();
  deletedBatches.set(parts.batches, deleted.add(batch.id));
  return { json: { id: batch.id, type: 'message_batch_deleted' } };
}

/** The Message Batches routes, as [method, pattern, handler]. */
export const anthropicBatchRoutes: [string, string, (request: RouteRequest, parts: SimParts) => RouteResponse][] = [
  ['POST', '/v1/messages/batches', create],
  ['GET', '/v1/messages/batches', list],
  ['GET', '/v1/messages/batches/{id}', (request, parts) => ({ json: view(messageBatch(request, parts), request, parts) })],
  ['GET', '/v1/messages/batches/{id}/results', results],
  ['POST', '/v1/messages/batches/{id}/cancel', (request, parts) => {
    const batch = messageBatch(request, parts);
    return { json: view(parts.batches.cancel(batch.id, request.nowMs), request, parts) };
  }],
  ['DELETE', '/v1/messages/batches/{id}', remove],
];
