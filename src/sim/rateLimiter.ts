// What the headers report when no limit is configured: a tier-5 account's gpt-4o-mini limits.
const nominalRequestsPerMinute = 30_000;
const nominalTokensPerMinute = 150_000_000;

/** The limits a call is admitted under. */
export interface RateLimits {
  /** 0 = unlimited (the headers then report the nominal limits, which are not enforced). */
  requests: number;
  tokens: number;
  /** The period the limits are per: 60 s for the API's per-minute limits; shorter in rehearsals of pacing. */
  periodMs: number;
}

/** The outcome of admitting one model call. */
export interface RateDecision {
  allowed: boolean;
  /** `x-ratelimit-*` headers describing the state after this call. */
  headers: Record<string, string>;
  /** Milliseconds until the call would be allowed, when it is not. */
  retryAfterMs: number;
  /** Which limit refused the call. */
  exceeded?: 'requests' | 'tokens';
  /** The refused budget's limit and what of it is used. */
  used: number;
  limit: number;
}

/** A budget that refills continuously: full (`limit`) at first, `limit` per period. */
class Bucket {
  private level: number | undefined;
  private at = 0;

  /** The budget at `now`, refilled since the last call. */
  levelAt(now: number, limit: number, periodMs: number): number {
    const level = this.level === undefined ? limit : Math.min(limit, this.level + ((now - this.at) * limit) / periodMs);
    this.level = level;
    this.at = now;
    return level;
  }

  spend(amount: number): void {
    this.level = (this.level ?? 0) - amount;
  }
}

/**
 * Requests- and tokens-per-period accounting as the API describes its limits: each budget refills continuously, so a
 * client may send `limit` at once and then `limit` per period. Every call is counted for its estimated tokens (prompt
 * plus the most it may generate), as the API counts them.
 */
export class RateLimiter {
  private readonly requests = new Bucket();
  private readonly tokens = new Bucket();

  /** Admits (and records) a call of `tokens` tokens at time `now` (ms) under `limits`. */
  admit(now: number, tokens: number, limits: RateLimits): RateDecision {
    const requestLimit = limits.requests > 0 ? limits.requests : nominalRequestsPerMinute;
    const tokenLimit = limits.tokens > 0 ? limits.tokens : nominalTokensPerMinute;
    const periodMs = limits.requests > 0 || limits.tokens > 0 ? limits.periodMs : 60_000;
    const requestsLeft = this.requests.levelAt(now, requestLimit, periodMs);
    const tokensLeft = this.tokens.levelAt(now, tokenLimit, periodMs);
    let exceeded: RateDecision['exceeded'];
    if (limits.requests > 0 && requestsLeft < 1) exceeded = 'requests';
    else if (limits.tokens > 0 && tokensLeft < Math.min(tokens, tokenLimit)) exceeded = 'tokens';
    if (!exceeded) {
      this.requests.spend(1);
      this.tokens.spend(tokens);
    }
    const requestsAfter = exceeded ? requestsLeft : requestsLeft - 1;
    const tokensAfter = exceeded ? tokensLeft : tokensLeft - tokens;
    const msToRefill = (missing: number, limit: number) => Math.max(0, (missing * periodMs) / limit);
    const headers = {
      'x-ratelimit-limit-requests': String(requestLimit),
      'x-ratelimit-remaining-requests': String(Math.max(0, Math.floor(requestsAfter))),
      'x-ratelimit-reset-requests': formatDuration(msToRefill(requestLimit - requestsAfter, requestLimit)),
      'x-ratelimit-limit-tokens': String(tokenLimit),
      'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(tokensAfter))),
      'x-ratelimit-reset-tokens': formatDuration(msToRefill(tokenLimit - tokensAfter, tokenLimit)),
    };
    const retryAfterMs =
      exceeded === 'requests' ? msToRefill(1 - requestsLeft, requestLimit) : exceeded === 'tokens' ? msToRefill(Math.min(tokens, tokenLimit) - tokensLeft, tokenLimit) : 0;
    return {
      allowed: !exceeded,
      headers,
      retryAfterMs: Math.ceil(retryAfterMs),
      ...(exceeded ? { exceeded } : {}),
      used: exceeded === 'tokens' ? Math.ceil(tokenLimit - tokensLeft) : Math.ceil(requestLimit - requestsLeft),
      limit: exceeded === 'tokens' ? tokenLimit : requestLimit,
    };
  }
}

/** OpenAI's duration format in rate-limit headers: `1m30s`, `6s`, `1.5s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round(((ms % 60_000) / 1000) * 1000) / 1000;
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}
