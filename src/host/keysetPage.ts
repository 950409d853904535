import type { Page, PageItem } from '../shared/taskSnapshot';

/**
 * Turns the rows of a keyset query into a page. The query asks for `limit + 1` rows: the extra row, never shown,
 * says whether another page follows, and the cursor of that page is the key of the last row shown.
 */
export function keysetPage<Row>(total: number, rows: readonly Row[], limit: number, toItem: (row: Row) => PageItem, cursorOf: (row: Row) => string): Page {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { total, items: shown.map(toItem), ...(rows.length > limit && last !== undefined ? { next: cursorOf(last) } : {}) };
}
