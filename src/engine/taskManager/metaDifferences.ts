import type { JsonMap } from './taskState';

/** A meta key whose stored value differs from the configured one; `undefined` where a side does not set it. */
export interface MetaDifference {
  /** Dotted into nested objects, e.g. `request.temperature`. */
  key: string;
  stored: unknown;
  configured: unknown;
}

function isPlainObject(value: unknown): value is JsonMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The keys (leaves of nested objects, arrays as whole values) in which the configured meta differs from the stored. */
export function metaDifferences(stored: JsonMap, configured: JsonMap, prefix = ''): MetaDifference[] {
  const out: MetaDifference[] = [];
  const keys = [...new Set([...Object.keys(stored), ...Object.keys(configured)])].sort();
  for (const key of keys) {
    const a = stored[key];
    const b = configured[key];
    const path = `${prefix}${key}`;
    if (isPlainObject(a) && isPlainObject(b)) out.push(...metaDifferences(a, b, `${path}.`));
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ key: path, stored: a, configured: b });
  }
  return out;
}

const shown = (value: unknown) => (value === undefined ? '(not set)' : JSON.stringify(value));

/** The warning for a run whose task file or flags ask for a different meta than the task was created with. */
export function metaDifferencesWarning(differences: readonly MetaDifference[]): string {
  const listed = differences.map((d) => `${d.key} (stored ${shown(d.stored)}, configured ${shown(d.configured)})`).join(', ');
  return `The configured task meta (task file and flags) differs from the stored task meta in ${listed}: the stored meta is used; run with --reinit_meta to use the configured meta instead`;
}
