import { messagesEndpoint } from './anthropicMessages';

/** The path of Anthropic's Messages API, whose answers carry Anthropic's rate-limit headers. */
export const messagesPath = messagesEndpoint.path;

function resetTime(duration: string, now: number): string {
  let ms = 0;
  for (const [, value, unit] of duration.matchAll(/([0-9.]+)(ms|m|s)/g)) ms += Number(value) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
  // RFC 3339 to the second, as Anthropic sends it; rounded up so that a client waiting for it is never early.
  return new Date(Math.ceil((now + ms) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * OpenAI's `x-ratelimit-*` headers as Anthropic's `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`,
 * the reset being the time (RFC 3339) when the budget is full again.
 */
export function anthropicRateLimitHeaders(openai: Record<string, string>, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ['requests', 'tokens']) {
    headers[`anthropic-ratelimit-${kind}-limit`] = openai[`x-ratelimit-limit-${kind}`] ?? '0';
    headers[`anthropic-ratelimit-${kind}-remaining`] = openai[`x-ratelimit-remaining-${kind}`] ?? '0';
    headers[`anthropic-ratelimit-${kind}-reset`] = resetTime(openai[`x-ratelimit-reset-${kind}`] ?? '0ms', now);
  }
  return headers;
}
