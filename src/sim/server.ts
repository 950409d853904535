import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Logger } from '../engine';
import { anthropicErrorBody, checkAnthropicHeaders, isAnthropicPath } from './anthropicBatches';
import { invalidRequest, notFound, SimHttpError, serverError } from './apiError';
import type { FaultDecider } from './faults';
import { apiRoutes, controlRoutes, headerValue, type Route, type RouteResponse, type SimParts } from './routes';
import { modelEndpoints } from './modelEndpoints';

/** How the server treats every API call. */
export interface ServerSettings {
  apiKey: string | undefined;
  latencyMs: number;
  logger: Logger;
  decider: FaultDecider;
  onApiRequest: SimulatorRequestHook | undefined;
  /** The time (ms) requests are handled at. */
  clock: () => number;
}

/** Called with each API request (method and route pattern, e.g. `POST /v1/batches`) once its body is read, before it is handled. */
export type SimulatorRequestHook = (route: string) => void | Promise<void>;

// Uploads of any purpose may be up to 512 MB; allow for the multipart framing.
const maxBodyBytes = 513 * 1024 * 1024;

/** An HTTP server answering the OpenAI-compatible routes and the control routes on `parts`. */
export function createSimServer(parts: SimParts, settings: ServerSettings): http.Server {
  let callNumber = 0;
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const isControl = url.pathname.startsWith('/__sim/');
    const anthropic = isAnthropicPath(url.pathname);
    const match = findRoute(isControl ? controlRoutes : apiRoutes, method, url.pathname);
    const modelPath = modelEndpoints.find((e) => e.path === match?.route.pattern)?.path;
    if (!isControl) {
      parts.stats.route(match ? `${method} ${match.route.pattern}` : `${method} (unknown route)`);
      if (modelPath !== undefined) parts.stats.modelCall(modelPath, headerValue(req.headers['x-client-request-id']));
    }
    const send = (response: RouteResponse): void => {
      const status = response.status ?? 200;
      if (!isControl) parts.stats.status(status);
      const headers: Record<string, string> = {
        'x-request-id': `req_${randomBytes(16).toString('hex')}`,
        ...response.headers,
        'content-type': response.bytes ? 'application/octet-stream' : 'application/json',
      };
      res.writeHead(status, headers).end(response.bytes ?? JSON.stringify(response.json));
    };
    const handle = async (): Promise<RouteResponse> => {
      const body = await readBody(req);
      if (!isControl) {
        await settings.onApiRequest?.(`${method} ${match?.route.pattern ?? url.pathname}`);
        if (anthropic) checkAnthropicHeaders(req.headers, settings.apiKey);
        else checkAuthorization(req.headers.authorization, settings.apiKey);
        const latency = settings.latencyMs + (modelPath !== undefined ? parts.faults.chatLatencyMs : 0);
        if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      }
      if (!match) throw notFound(`Invalid URL (${method} ${url.pathname})`);
      if (!isControl) injectFault(parts, settings.decider, (callNumber += 1));
      return match.route.handle({ params: match.params, query: url.searchParams, headers: req.headers, body, nowMs: settings.clock() }, parts);
    };
    handle().then(send, (error: unknown) => {
      if (error instanceof SimHttpError) {
        send({ status: error.status, json: anthropic ? anthropicErrorBody(error) : error.body(), headers: error.headers });
        return;
      }
      settings.logger.error(`Simulator: ${method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
      const failure = serverError(500);
      send({ status: 500, json: anthropic ? anthropicErrorBody(failure) : failure.body() });
    });
  });
}

function findRoute(routes: Route[], method: string, pathname: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    const found = route.regex.exec(pathname);
    if (found && route.method === method) return { route, params: found.slice(1) };
  }
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(invalidRequest('File is too large.', 'file')) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function checkAuthorization(header: string | undefined, apiKey: string | undefined): void {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) {
    throw new SimHttpError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error');
  }
  const given = (match[1] as string).trim();
  if (apiKey !== undefined && given !== apiKey) {
    const shown = given.length > 8 ? `${given.slice(0, 4)}${'*'.repeat(given.length - 8)}${given.slice(-4)}` : '****';
    throw new SimHttpError(401, `Incorrect API key provided: ${shown}.`, 'invalid_request_error', null, 'invalid_api_key');
  }
}

function injectFault(parts: SimParts, decider: FaultDecider, callNumber: number): void {
  const fault = decider.httpFault(parts.faults, callNumber);
  if (fault === 'rateLimit') {
    const retryAfter = String(parts.faults.rateLimitRetryAfter);
    throw new SimHttpError(429, `Rate limit reached for requests. Please try again in ${retryAfter}s.`, 'requests', null, 'rate_limit_exceeded', { 'retry-after': retryAfter });
  }
  if (fault !== undefined) throw serverError(fault);
}
