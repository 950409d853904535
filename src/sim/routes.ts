import { anthropicBatchRoutes } from './anthropicBatches';
import { invalidRequest, SimHttpError } from './apiError';
import type { BatchStore } from './batches';
import { mergeFaults, type FaultConfig, type FaultDecider } from './faults';
import { fileBody, type FileStore } from './files';
import { type ModelEndpoint, modelEndpoints } from './modelEndpoints';
import { anthropicRateLimitHeaders, messagesPath } from './anthropicRateLimits';
import { type MultipartField, parseMultipart } from './multipart';
import type { RateLimiter } from './rateLimiter';
import type { StatsCollector } from './stats';

/** What a route handler gets of a request. */
export interface RouteRequest {
  params: string[];
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  nowMs: number;
}

/** A handler's answer: JSON, or raw bytes for file contents. */
export interface RouteResponse {
  status?: number;
  json?: unknown;
  bytes?: Buffer;
  headers?: Record<string, string>;
}

/** The simulator's parts that route handlers work on. */
export interface SimParts {
  files: FileStore;
  batches: BatchStore;
  stats: StatsCollector;
  rateLimiter: RateLimiter;
  decider: FaultDecider;
  faults: FaultConfig;
}

/** A route: method, path pattern (with `{id}` placeholders, as used in stats keys) and handler. */
export interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  handle(request: RouteRequest, parts: SimParts): Promise<RouteResponse> | RouteResponse;
}

function route(method: string, pattern: string, handle: Route['handle']): Route {
  const regex = new RegExp(`^${pattern.replace(/\{id\}/g, '([^/]+)')}$`);
  return { method, pattern, regex, handle };
}

function jsonBody(request: RouteRequest): unknown {
  if (request.body.length === 0) return {};
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    throw invalidRequest('We could not parse the JSON body of your request. The body must be valid JSON.');
  }
}

function param(request: RouteRequest, index = 0): string {
  return decodeURIComponent(request.params[index] ?? '');
}

function uploadFile(request: RouteRequest, { files }: SimParts): RouteResponse {
  const contentType = String(request.headers['content-type'] ?? '');
  if (!contentType.startsWith('multipart/form-data')) throw invalidRequest('Uploads must be multipart/form-data with the fields purpose and file.', 'file');
  let form: Map<string, MultipartField>;
  try {
    form = parseMultipart(request.body, contentType);
  } catch (error) {
    throw invalidRequest(`The multipart body cannot be parsed: ${(error as Error).message}`, 'file');
  }
  const purpose = form.get('purpose');
  const file = form.get('file');
  if (purpose === undefined || purpose.filename !== undefined) throw invalidRequest("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter');
  if (file?.filename === undefined) throw invalidRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
  const stored = files.upload(file.filename, purpose.content.toString('utf8'), file.content, request.nowMs);
  return { json: fileBody(stored) };
}

/** Answers a direct call of a model endpoint, under the simulated rate limits. */
function modelCall(endpoint: ModelEndpoint): Route['handle'] {
  return (request, { stats, rateLimiter, decider, faults }) => {
    const body = jsonBody(request);
    endpoint.validate(body);
    if (body.service_tier === 'flex' && decider.flexRefused(faults.flexUnavailableRate)) {
      // OpenAI's answer when flex capacity is short; the simulator adds Retry-After so that clients retry at once.
      throw new SimHttpError(429, 'Resource unavailable: flex processing capacity is temporarily exhausted. Please retry later or use the default service tier.', 'invalid_request_error', null, 'resource_unavailable', { 'retry-after': '0' });
    }
    const tokens = endpoint.tokenEstimate(body);
    const decision = rateLimiter.admit(request.nowMs, tokens, {
      requests: faults.requestsPerMinute,
      tokens: faults.tokensPerMinute,
      periodMs: faults.rateLimitPeriodSeconds * 1000,
    });
    const headers = endpoint.path === messagesPath ? anthropicRateLimitHeaders(decision.headers, request.nowMs) : decision.headers;
    if (!decision.allowed) {
      const unit = decision.exceeded === 'tokens' ? 'tokens per min (TPM)' : 'requests per min (RPM)';
      const requested = decision.exceeded === 'tokens' ? tokens : 1;
      const seconds = Math.max(decision.retryAfterMs, 1) / 1000;
      throw new SimHttpError(
        429,
        `Rate limit reached for ${body.model as string} in organization org-simulator on ${unit}: Limit ${decision.limit}, Used ${decision.used}, Requested ${requested}. Please try again in ${seconds < 1 ? `${Math.ceil(seconds * 1000)}ms` : `${Math.round(seconds * 1000) / 1000}s`}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        decision.exceeded ?? 'requests',
        null,
        'rate_limit_exceeded',
        { ...headers, 'retry-after': String(Math.ceil(seconds)), 'retry-after-ms': String(decision.retryAfterMs) },
      );
    }
    const clientRequestId = headerValue(request.headers['x-client-request-id']);
    const answer = endpoint.answer(body, clientRequestId ?? '', Math.floor(request.nowMs / 1000));
    stats.modelAnswered(clientRequestId, tokens);
    return { json: answer.body, headers };
  };
}

/** The single value of a header, if present. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The OpenAI-compatible routes under /v1, and Anthropic's Messages and Message Batches. */
export const apiRoutes: Route[] = [
  route('POST', '/v1/files', uploadFile),
  route('GET', '/v1/files', (request, { files }) => ({ json: files.list(request.query) })),
  route('GET', '/v1/files/{id}', (request, { files }) => ({ json: fileBody(files.get(param(request))) })),
  route('DELETE', '/v1/files/{id}', (request, { files }) => ({ json: files.delete(param(request)) })),
  route('GET', '/v1/files/{id}/content', (request, { files }) => ({ bytes: files.content(param(request)) })),
  route('POST', '/v1/batches', (request, { batches }) => ({ json: batches.create(jsonBody(request)) })),
  route('GET', '/v1/batches', (request, { batches }) => ({ json: batches.list(request.query, request.nowMs) })),
  route('GET', '/v1/batches/{id}', (request, { batches }) => ({ json: batches.retrieve(param(request), request.nowMs) })),
  route('POST', '/v1/batches/{id}/cancel', (request, { batches }) => ({ json: batches.cancel(param(request), request.nowMs) })),
  ...modelEndpoints.map((endpoint) => route('POST', endpoint.path, modelCall(endpoint))),
  ...anthropicBatchRoutes.map(([method, pattern, handle]) => route(method, pattern, handle)),
];

/** The control routes under /__sim, for tests and for the `gpt-batch sim` user; no authentication. */
export const controlRoutes: Route[] = [
  route('GET', '/__sim/health', () => ({ json: { ok: true } })),
  route('GET', '/__sim/stats', (_request, { stats }) => ({ json: stats.snapshot() })),
  route('POST', '/__sim/reset', (_request, { stats }) => {
    stats.reset();
    return { json: { ok: true } };
  }),
  route('POST', '/__sim/faults', (request, parts) => {
    try {
      parts.faults = mergeFaults(parts.faults, jsonBody(request));
    } catch (error) {
      throw invalidRequest((error as Error).message, 'faults');
    }
    return { json: parts.faults };
  }),
  route('GET', '/__sim/faults', (_request, { faults }) => ({ json: faults })),
];
