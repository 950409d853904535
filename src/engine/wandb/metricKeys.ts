/**
 * Builders for the metric keys of engine.md 7.5 that depend on the shape of provider objects.
 */

const tokensSuffix = '_tokens';
const detailsSuffix = '_tokens_details';

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function ktokName(key: string): string {
  return key.endsWith(tokensSuffix) ? `${key.slice(0, -tokensSuffix.length)}_ktok` : key;
}

/**
 * Maps a provider `usage` object to `Usage/*` metrics: numeric `X_tokens` → `Usage/X_ktok` (÷1000), other numerics
 * `Usage/<key>` unchanged, nested `Y_tokens_details.Z_tokens` → `Usage/Y_ktok_Z` (÷1000) and other nested numerics
 * `Usage/Y_ktok_<key>` unchanged. Non-numeric values are skipped.
 */
export function usageMetrics(usage: object): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(usage)) {
    if (isNumber(value)) {
      metrics[`Usage/${ktokName(key)}`] = key.endsWith(tokensSuffix) ? value / 1000 : value;
    } else if (key.endsWith(detailsSuffix) && typeof value === 'object' && value !== null) {
      const parent = `${key.slice(0, -detailsSuffix.length)}_ktok`;
      for (const [detailKey, detailValue] of Object.entries(value)) {
        if (!isNumber(detailValue)) continue;
        if (detailKey.endsWith(tokensSuffix)) {
          metrics[`Usage/${parent}_${detailKey.slice(0, -tokensSuffix.length)}`] = detailValue / 1000;
        } else {
          metrics[`Usage/${parent}_${detailKey}`] = detailValue;
        }
      }
    }
  }
  return metrics;
}

/**
 * The first `max` scalar (number, string, boolean) entries of `obj`, keyed `<prefix><key>`: e.g.
 * `scalarEntries('TaskMeta/', meta)`. Objects, arrays, null and undefined are skipped and do not count.
 */
export function scalarEntries(prefix: string, obj: object, max = 100): Record<string, number | string | boolean> {
  const entries: Record<string, number | string | boolean> = {};
  let count = 0;
  for (const [key, value] of Object.entries(obj)) {
    if (count >= max) break;
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
      entries[`${prefix}${key}`] = value;
      count += 1;
    }
  }
  return entries;
}
