import { createHash } from 'node:crypto';

/**
 * Deterministic choices for the simulator: every "random" decision is a hash of its inputs, so the same request
 * (or the same seed and line) always gets the same answer and tests are reproducible.
 */

/** Hex SHA-256 of the parts joined by a separator that cannot appear in JSON text. */
export function hashHex(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** A number in [0, 1) derived from the parts. */
export function unitFloat(...parts: (string | number)[]): number {
  return Number.parseInt(hashHex(...parts).slice(0, 13), 16) / 2 ** 52;
}

/** An integer in [0, bound) derived from the parts. */
export function pickIndex(bound: number, ...parts: (string | number)[]): number {
  return Math.min(bound - 1, Math.floor(unitFloat(...parts) * bound));
}

/** One element of a non-empty list, chosen from the parts. */
export function pick<T>(items: readonly T[], ...parts: (string | number)[]): T {
  const item = items[pickIndex(items.length, ...parts)];
  if (item === undefined) throw new Error('pick() needs a non-empty list');
  return item;
}

/** A permutation of 0..count-1 derived from the parts (Fisher-Yates driven by hashes). */
export function permutation(count: number, ...parts: (string | number)[]): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  const base = hashHex(...parts);
  for (let i = count - 1; i > 0; i -= 1) {
    const j = pickIndex(i + 1, base, i);
    const a = order[i] as number;
    order[i] = order[j] as number;
    order[j] = a;
  }
  return order;
}

/** JSON with object keys sorted, so that equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
