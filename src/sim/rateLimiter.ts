const windowMs = 60_000;
// What the headers report when no limit is configured, like a generous account tier.
const nominalRequestsPerMinute = 10_000;
const nominalTokensPerMinute = 10_000_000;

/** The outcome of admitting one chat completion call. */
export interface RateDecision {
  allowed: boolean;
  /** `x-ratelimit-*` headers describing the state after this call. */
  headers: Record<string, string>;
  /** Seconds until the call would be allowed, when it is not. */
  retryAfterSeconds: number;
  /** Which limit refused the call. */
  exceeded?: 'requests' | 'tokens';
  used: number;
  limit: number;
}

/** Requests- and tokens-per-minute accounting over a sliding one-minute window. */
export class RateLimiter {
  private readonly calls: { at: number; tokens: number }[] = [];

  /** Admits (and records) a call of `tokens` tokens at time `now` (ms) under the given limits (0 = unlimited). */
  admit(now: number, tokens: number, requestsPerMinute: number, tokensPerMinute: number): RateDecision {
    while (this.calls.length > 0 && (this.calls[0] as { at: number }).at <= now - windowMs) this.calls.shift();
    const usedRequests = this.calls.length;
    const usedTokens = this.calls.reduce((sum, call) => sum + call.tokens, 0);
    const requestLimit = requestsPerMinute > 0 ? requestsPerMinute : nominalRequestsPerMinute;
    const tokenLimit = tokensPerMinute > 0 ? tokensPerMinute : nominalTokensPerMinute;
    let exceeded: RateDecision['exceeded'];
    if (requestsPerMinute > 0 && usedRequests + 1 > requestsPerMinute) exceeded = 'requests';
    else if (tokensPerMinute > 0 && usedTokens + tokens > tokensPerMinute) exceeded = 'tokens';
    if (!exceeded) this.calls.push({ at: now, tokens });
    const requestsAfter = usedRequests + (exceeded ? 0 : 1);
    const tokensAfter = usedTokens + (exceeded ? 0 : tokens);
    const resetRequests = this.msUntilFreed(now, 1, () => 1);
    const resetTokens = this.msUntilFreed(now, exceeded === 'tokens' ? usedTokens + tokens - tokenLimit : 1, (call) => call.tokens);
    const headers = {
      'x-ratelimit-limit-requests': String(requestLimit),
      'x-ratelimit-remaining-requests': String(Math.max(0, requestLimit - requestsAfter)),
      'x-ratelimit-reset-requests': formatDuration(resetRequests),
      'x-ratelimit-limit-tokens': String(tokenLimit),
      'x-ratelimit-remaining-tokens': String(Math.max(0, tokenLimit - tokensAfter)),
      'x-ratelimit-reset-tokens': formatDuration(resetTokens),
    };
    const retryAfterMs = exceeded === 'requests' ? resetRequests : exceeded === 'tokens' ? resetTokens : 0;
    return {
      allowed: !exceeded,
      headers,
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
      ...(exceeded ? { exceeded } : {}),
      used: exceeded === 'tokens' ? usedTokens : usedRequests,
      limit: exceeded === 'tokens' ? tokenLimit : requestLimit,
    };
  }

  // Time until the oldest calls that together free `amount` (requests or tokens) leave the window.
  private msUntilFreed(now: number, amount: number, size: (call: { tokens: number }) => number): number {
    let freed = 0;
    for (const call of this.calls) {
      freed += size(call);
      if (freed >= amount) return Math.max(0, call.at + windowMs - now);
    }
    return 0;
  }
}

/** OpenAI's duration format in rate-limit headers: `1m30s`, `6s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round(((ms % 60_000) / 1000) * 1000) / 1000;
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}
