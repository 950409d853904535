import { EngineError, InvalidInputError } from '../../shared/errors';
import type { Logger } from '../log';
import { retryAfterHeaderMs } from '../util/retryAfter';

/** How the client reaches the W&B server. The key is only ever put into the Authorization header. */
export interface WandbEndpoint {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  /** Upper bound for one HTTP request, in ms. */
  requestTimeoutMs: number;
}

/** Backoff settings shared by GraphQL calls and the file stream. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

/** What one POST came to: delivered, worth retrying (429, 5xx, network), or refused for good (other 4xx). */
export type PostOutcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'reject'; status: number; reason: string };

const maxRetryAfterMs = 5 * 60_000;

function authorization(apiKey: string): string {
  return `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;
}

/** Parses a Retry-After header (delta seconds or HTTP date) into ms from now, at most `maxRetryAfterMs`. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  const ms = retryAfterHeaderMs(header, now);
  return ms === undefined ? undefined : Math.min(ms, maxRetryAfterMs);
}

/** Exponential backoff for the `attempt`-th consecutive failure (1-based), capped, with jitter in [½, 1] of the step. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + (random() * step) / 2;
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** POSTs `body` as JSON with Basic auth and classifies the answer. Never throws; an aborted `signal` reads as retry. */
export async function postJson(endpoint: WandbEndpoint, url: string, body: unknown, signal?: AbortSignal): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(endpoint.requestTimeoutMs);
  let response: Response;
  try {
    response = await endpoint.fetch(url, {
      method: 'POST',
      headers: { Authorization: authorization(endpoint.apiKey), 'Content-Type': 'application/json', 'User-Agent': 'gpt-batch' },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
  } catch (error) {
    const reason = timeout.aborted ? `no answer within ${endpoint.requestTimeoutMs / 1000} s` : describeFetchError(error);
    return { kind: 'retry', reason };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { kind: 'retry', reason: `answer cut off: ${describeFetchError(error)}` };
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    try {
      return { kind: 'ok', body: text === '' ? undefined : JSON.parse(text) };
    } catch {
      return { kind: 'ok', body: undefined };
    }
  }
  const reason = `HTTP ${status}${text ? `: ${text.slice(0, 200).trim()}` : ''}`;
  if (status === 429 || status === 408 || status >= 500) {
    return { kind: 'retry', reason, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()) };
  }
  return { kind: 'reject', status, reason };
}

/** Waits `ms`, resolving early when `signal` aborts. Unless `keepAlive`, the wait does not keep the process alive. */
export function sleep(ms: number, signal?: AbortSignal, keepAlive = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    if (!keepAlive) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Options of one GraphQL call made while opening a run: retried until `deadline` (ms since epoch, wall clock). */
export interface GraphqlCall {
  operation: string;
  query: string;
  variables: Record<string, unknown>;
  deadline: number;
  retry: RetryPolicy;
  logger: Logger;
}

/**
 * Runs a GraphQL operation against `{base}/graphql`, retrying 429/5xx/network failures with backoff until the
 * deadline. 401 and 403 become InvalidInputError (the key or the entity/project is wrong); other refusals and
 * GraphQL `errors` become EngineError('api').
 */
export async function graphql(endpoint: WandbEndpoint, call: GraphqlCall): Promise<Record<string, unknown>> {
  const url = `${endpoint.baseUrl}/graphql`;
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await postJson(endpoint, url, { query: call.query, variables: call.variables });
    if (outcome.kind === 'ok') return graphqlData(call.operation, url, outcome.body);
    if (outcome.kind === 'reject') throw refusal(call.operation, url, outcome);
    const delay = outcome.retryAfterMs ?? backoffDelay(attempt, call.retry);
    if (Date.now() + delay > call.deadline) {
      throw new EngineError(
        'api',
        `W&B at ${endpoint.baseUrl} did not complete ${call.operation} (${outcome.reason}); ` +
          'retry later, set WANDB_MODE=offline to spool metrics locally, or pass --no_wandb',
      );
    }
    call.logger.warn(`W&B ${call.operation} failed (${outcome.reason}); retrying in ${(delay / 1000).toFixed(1)} s`);
    await sleep(delay, undefined, true);
  }
}

function refusal(operation: string, url: string, outcome: { status: number; reason: string }): EngineError {
  if (outcome.status === 401) {
    return new InvalidInputError(
      `W&B rejected the API key (HTTP 401 from ${url} during ${operation}): check WANDB_API_KEY, or pass --no_wandb`,
    );
  }
  if (outcome.status === 403) {
    return new InvalidInputError(
      `W&B refused access (HTTP 403 from ${url} during ${operation}): check --wandb_entity and --wandb_project, or pass --no_wandb`,
    );
  }
  return new EngineError('api', `W&B refused ${operation} at ${url} (${outcome.reason})`);
}

function graphqlData(operation: string, url: string, body: unknown): Record<string, unknown> {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as { data?: unknown; errors?: unknown };
  if (Array.isArray(answer.errors) && answer.errors.length > 0) {
    const messages = answer.errors.map((e: unknown) => (e as { message?: unknown })?.message ?? JSON.stringify(e)).join('; ');
    throw new EngineError('api', `W&B ${operation} at ${url} failed: ${messages}`);
  }
  if (typeof answer.data !== 'object' || answer.data === null) {
    throw new EngineError('api', `W&B ${operation} at ${url} answered without data`);
  }
  return answer.data as Record<string, unknown>;
}
