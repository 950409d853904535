import { InvalidInputError } from '../shared/errors';
import { unitFloat } from './deterministic';

/** Injected failures and limits. Rates are fractions in [0, 1]; decisions are deterministic (see `FaultDecider`). */
export interface FaultConfig {
  /** Fraction of HTTP calls answered 429 with Retry-After (`rateLimitRetryAfter` seconds). */
  rateLimitRate: number;
  rateLimitRetryAfter: number;
  /** Fraction of HTTP calls answered 500 or 503 (alternating). */
  serverErrorRate: number;
  /** Fraction of batch lines that become per-line errors with `lineErrorStatus`. */
  lineErrorRate: number;
  /** 429 (retryable), 500, or 400 (fatal). */
  lineErrorStatus: number;
  /** Fraction of batches that fail validation for good (`invalid_request` in `errors.data`). */
  failBatchRate: number;
  /** Fraction of batches that expire with partial output. */
  expireBatchRate: number;
  /** Share of an expiring batch's lines that are done before it expires. */
  expireCompletedFraction: number;
  /** Extra latency of direct model calls only (chat completions, responses, embeddings). */
  chatLatencyMs: number;
  /** 0 = unlimited; drives the rate-limit headers and 429s of direct model calls. */
  requestsPerMinute: number;
  tokensPerMinute: number;
  /** The period `requestsPerMinute` and `tokensPerMinute` are per: 60 s, or shorter to rehearse pacing quickly. */
  rateLimitPeriodSeconds: number;
  /** Fraction of chat completions with `service_tier: "flex"` answered 429 `resource_unavailable`. */
  flexUnavailableRate: number;
  /** 0 = unlimited; a batch whose prompt tokens with those of the running batches exceed it fails validation. */
  enqueuedTokenLimit: number;
}

/** No faults, no limits. */
export const defaultFaultConfig: Readonly<FaultConfig> = {
  rateLimitRate: 0,
  rateLimitRetryAfter: 1,
  serverErrorRate: 0,
  lineErrorRate: 0,
  lineErrorStatus: 500,
  failBatchRate: 0,
  expireBatchRate: 0,
  expireCompletedFraction: 0.5,
  chatLatencyMs: 0,
  requestsPerMinute: 0,
  tokensPerMinute: 0,
  rateLimitPeriodSeconds: 60,
  enqueuedTokenLimit: 0,
  flexUnavailableRate: 0,
};

const rateKeys = ['rateLimitRate', 'serverErrorRate', 'lineErrorRate', 'failBatchRate', 'expireBatchRate', 'expireCompletedFraction', 'flexUnavailableRate'] as const;
const lineErrorStatuses = [400, 429, 500];

/**
 * `base` with the known keys of `patch` applied, after checking them. Throws an `InvalidInputError` naming the key
 * for unknown keys and out-of-range values.
 */
export function mergeFaults(base: FaultConfig, patch: unknown): FaultConfig {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new InvalidInputError('faults must be a JSON object');
  const merged: FaultConfig = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in defaultFaultConfig)) throw new InvalidInputError(`unknown fault '${key}'`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidInputError(`fault '${key}' must be a number ≥ 0, got ${JSON.stringify(value)}`);
    if ((rateKeys as readonly string[]).includes(key) && value > 1) throw new InvalidInputError(`fault '${key}' must be between 0 and 1, got ${value}`);
    if (key === 'rateLimitPeriodSeconds' && value === 0) throw new InvalidInputError(`fault 'rateLimitPeriodSeconds' must be a number of seconds > 0, got 0`);
    if (key === 'lineErrorStatus' && !lineErrorStatuses.includes(value)) throw new InvalidInputError(`fault 'lineErrorStatus' must be one of ${lineErrorStatuses.join(', ')}, got ${value}`);
    merged[key as keyof FaultConfig] = value;
  }
  return merged;
}

/**
 * Decides faults from the seed and the identity of what is decided on: the n-th HTTP call, a batch number, a
 * custom_id. A retried request arrives under a new identity and is therefore decided independently.
 */
export class FaultDecider {
  private serverErrors = 0;
  private flexCalls = 0;

  constructor(private readonly seed: number) {}

  /** The injected failure of the n-th API call, if any. */
  httpFault(config: FaultConfig, callNumber: number): 'rateLimit' | 500 | 503 | undefined {
    if (config.rateLimitRate > 0 && unitFloat(this.seed, 'call-429', callNumber) < config.rateLimitRate) return 'rateLimit';
    if (config.serverErrorRate > 0 && unitFloat(this.seed, 'call-5xx', callNumber) < config.serverErrorRate) {
      this.serverErrors += 1;
      return this.serverErrors % 2 === 1 ? 500 : 503;
    }
    return undefined;
  }

  /** Whether the next flex chat completion is refused for lack of capacity, at `flexUnavailableRate`. */
  flexRefused(flexUnavailableRate: number): boolean {
    this.flexCalls += 1;
    return flexUnavailableRate > 0 && unitFloat(this.seed, 'flex', this.flexCalls) < flexUnavailableRate;
  }

  /** Whether the batch line with this custom_id becomes a per-line error, at `lineErrorRate`. */
  lineFails(lineErrorRate: number, customId: string): boolean {
    return lineErrorRate > 0 && unitFloat(this.seed, 'line', customId) < lineErrorRate;
  }

  /** Whether the n-th batch fails validation, at `failBatchRate`. */
  batchFails(failBatchRate: number, batchNumber: number): boolean {
    return failBatchRate > 0 && unitFloat(this.seed, 'batch-fail', batchNumber) < failBatchRate;
  }

  /** Whether the n-th batch expires, at `expireBatchRate`. */
  batchExpires(expireBatchRate: number, batchNumber: number): boolean {
    return expireBatchRate > 0 && unitFloat(this.seed, 'batch-expire', batchNumber) < expireBatchRate;
  }
}
