import OpenAI from 'openai';
import type { TokensCost } from '../../shared/requesterState';
import type { DirectAnswer } from '../endpoints/endpointWire';
import { directPart } from './accounting';
import { customIdOf, type CachedRequest } from './cachedRequest';
import type { Requester } from './requester';

/** The service tier of direct requests: flex at batch prices, with its longer wait and its fallback (engine.md 3.9). */

/** OpenAI advises a client timeout of 15 minutes for flex requests, which may queue for capacity (10 is the default). */
export const flexTimeoutMs = 15 * 60 * 1000;

/**
 * The tier a direct request asks for: its own `service_tier`, else `--direct_service_tier`, else none. Embeddings
 * have no tiers.
 */
export function requestedTier(r: Requester, payload: Record<string, unknown>): string | null {
  if (r.wire.withoutServiceTiers === true) return null;
  const own = payload.service_tier;
  return typeof own === 'string' ? own : r.options.direct_service_tier;
}

/**
 * The estimated direct share of a request's cost, at the price of its tier: flex is billed at batch prices, so its
 * batch estimate counts as its direct cost.
 */
export function directShare(r: Requester, request: CachedRequest): TokensCost {
  const tc = request.tokens_cost;
  if (requestedTier(r, request.payload) !== 'flex') return directPart(tc);
  return { ...tc, cost_input_direct: tc.cost_input_batch, cost_output_direct: tc.cost_output_batch, cost_input_batch: 0, cost_output_batch: 0 };
}

/** Whether a response was served (and is billed) at flex prices, as its `service_tier` says. */
export function servedAtFlex(completion: Record<string, unknown>): boolean {
  return completion.service_tier === 'flex';
}

/** OpenAI's answer when flex capacity is short: 429 with code `resource_unavailable`. */
function isFlexUnavailable(error: unknown): boolean {
  return error instanceof OpenAI.APIError && error.status === 429 && error.code === 'resource_unavailable';
}

/**
 * Sends one direct request at its tier, each call through `retrying` (which paces and retries it). A flex request waits up to `flexTimeoutMs`; when the provider refuses it for
 * lack of capacity (after the engine's retries in place), it is sent again at once at the standard tier only with
 * `--flex_fallback standard`; otherwise the refusal is the request's (retryable) error.
 */
export async function sendDirect(r: Requester, request: CachedRequest, signal: AbortSignal, retrying: (call: () => Promise<DirectAnswer>) => Promise<DirectAnswer>) {
  const tier = requestedTier(r, request.payload);
  const body = tier === null ? request.payload : { ...request.payload, service_tier: tier };
  const send = (payload: Record<string, unknown>, timeout?: number) =>
    retrying(() => r.provider.callDirect(r.wire, payload, { headers: { 'X-Client-Request-Id': customIdOf(request.id) }, signal, maxRetries: 0, ...(timeout === undefined ? {} : { timeout }) }));
  if (tier !== 'flex') return send(body);
  try {
    return await send(body, flexTimeoutMs);
  } catch (error) {
    if (r.options.flex_fallback !== 'standard' || !isFlexUnavailable(error)) throw error;
    r.logger.warn(`Request ${request.id}: flex capacity is unavailable (429 resource_unavailable); sending it again at the standard tier and price (--flex_fallback standard)`);
    return send({ ...request.payload, service_tier: 'default' });
  }
}
