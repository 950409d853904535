import OpenAI from 'openai';
import type { DirectAnswer } from '../endpoints/endpointWire';
import type { DirectPacer, PacedOutcome } from './concurrency';
import { readRateLimits, retryAfterMs } from './rateLimitHeaders';
import type { Requester } from './requester';

/** The longest Retry-After honoured as it is; a longer one (or none) falls back to exponential back-off. */
const maxHonouredRetryAfterMs = 60_000;
const firstBackoffMs = 500;
const maxBackoffMs = 8_000;

/** Whether the API client would retry this failure: its `x-should-retry` header, else 408, 409, 429, 5xx, no connection. */
function isRetryable(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionError) return true;
  if (!(error instanceof OpenAI.APIError) || error.status === undefined) return false;
  const should = error.headers?.get('x-should-retry');
  if (should === 'true') return true;
  if (should === 'false') return false;
  return error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
}

function outcomeOf(error: unknown): PacedOutcome {
  if (error instanceof OpenAI.APIConnectionError) return 'overloaded';
  if (!(error instanceof OpenAI.APIError) || error.status === undefined) return 'other';
  // A flex refusal says the flex pool is short, not that this account sends too much.
  if (error.status === 429) return error.code === 'resource_unavailable' ? 'other' : 'rateLimited';
  return error.status >= 500 ? 'overloaded' : 'other';
}

/** The wait before retry number `attempt` (0-based) of a failed call: what the provider asks for, else back-off. */
function retryDelayMs(attempt: number, asked: number | undefined): number {
  if (asked !== undefined && asked <= maxHonouredRetryAfterMs) return asked;
  return Math.min(maxBackoffMs, firstBackoffMs * 2 ** attempt);
}

/**
 * Makes one direct call when `pacer` lets it go, retrying a retryable failure in place up to the API client's own
 * retry count (the client itself is told not to retry, so that every 429 and 5xx reaches the pacer). `tokens` is what
 * the provider counts the call for; `sleep` waits, rejecting on an interrupt. Throws the last failure, an abort, or
 * what `sleep` rejected with.
 */
export async function pacedCall(r: Requester, pacer: DirectPacer, tokens: number, sleep: (ms: number) => Promise<void>, call: () => Promise<DirectAnswer>): Promise<DirectAnswer> {
  const retries = r.provider.directRetries;
  for (let attempt = 0; ; attempt += 1) {
    const ticket = await pacer.send(tokens, sleep);
    try {
      const answer = await call();
      pacer.answered(ticket, 'ok', readRateLimits(answer.response.headers, r.clock()), undefined);
      return answer;
    } catch (error) {
      const headers = error instanceof OpenAI.APIError ? error.headers : undefined;
      const asked = retryAfterMs(headers, r.clock());
      pacer.answered(ticket, outcomeOf(error), headers ? readRateLimits(headers, r.clock()) : {}, asked);
      if (error instanceof OpenAI.APIUserAbortError || attempt >= retries || !isRetryable(error)) throw error;
      await sleep(retryDelayMs(attempt, asked));
    }
  }
}
