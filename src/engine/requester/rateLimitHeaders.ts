import { retryAfterHeaderMs } from '../util/retryAfter';

/** What a provider's answer says about the account's rate limits (engine.md 3.9, openai-api.md "rate-limit headers"). */

/** One budget (requests or tokens) as one answer reports it. */
export interface BudgetReport {
  limit: number;
  remaining: number;
  /** Milliseconds until the budget is full again, when the answer says. */
  resetMs: number | undefined;
}

/** The budgets an answer reports; either is missing when the provider sends no headers for it. */
export interface RateLimitReport {
  requests?: BudgetReport;
  tokens?: BudgetReport;
}

/** Parses OpenAI durations such as `1s`, `6m0s`, `20ms`, `1h2m3.5s` into milliseconds. */
export function parseResetDuration(text: string | null): number {
  if (!text) return 0;
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([0-9.]+)(ms|h|m|s)/g)) {
    const n = Number(value);
    total += unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return total;
}

function count(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function budget(limit: string | null, remaining: string | null, resetMs: number | undefined): BudgetReport | undefined {
  const l = count(limit);
  const left = count(remaining);
  if (l === undefined || left === undefined || l === 0) return undefined;
  return { limit: l, remaining: Math.min(left, l), resetMs: resetMs !== undefined && Number.isFinite(resetMs) && resetMs >= 0 ? resetMs : undefined };
}

/** Milliseconds from `now` to an RFC 3339 time (Anthropic's `*-reset` headers), or undefined. */
function untilTime(text: string | null, now: number): number | undefined {
  if (!text) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The budgets in an answer's headers: OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (reset as a
 * duration like `6m0s`), else Anthropic's `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}` (reset as an
 * RFC 3339 time).
 */
export function readRateLimits(headers: Headers, now: number): RateLimitReport {
  const report: RateLimitReport = {};
  for (const kind of ['requests', 'tokens'] as const) {
    const openai = headers.get(`x-ratelimit-limit-${kind}`);
    const found =
      openai !== null
        ? budget(openai, headers.get(`x-ratelimit-remaining-${kind}`), headers.has(`x-ratelimit-reset-${kind}`) ? parseResetDuration(headers.get(`x-ratelimit-reset-${kind}`)) : undefined)
        : budget(headers.get(`anthropic-ratelimit-${kind}-limit`), headers.get(`anthropic-ratelimit-${kind}-remaining`), untilTime(headers.get(`anthropic-ratelimit-${kind}-reset`), now));
    if (found !== undefined) report[kind] = found;
  }
  return report;
}

/** How long an answer asks the client to wait: `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now: number): number | undefined {
  if (headers === undefined) return undefined;
  return count(headers.get('retry-after-ms')) ?? retryAfterHeaderMs(headers.get('retry-after'), now);
}
