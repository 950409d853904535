/** Parses a `Retry-After` header (delta seconds or an HTTP date) into milliseconds from `now`, never below zero. */
export function retryAfterHeaderMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.max(ms, 0) : undefined;
}
