import * as path from 'node:path';
import type { SqliteCheck } from '../protocol/messages';

/**
 * Opens an in-memory database with libsql and asks its SQLite version, which proves that libsql and its native addon
 * load in this thread. libsql is imported here, on first use, so that a missing addon is reported in the answer instead
 * of keeping the worker from starting.
 */
export async function checkSqlite(): Promise<SqliteCheck> {
  try {
    const { default: Database } = await import('libsql');
    const db = new Database(':memory:');
    try {
      // raw(), not pluck(): libsql 0.5's get() ignores pluck mode and returns the row object.
      const row = db.prepare('select sqlite_version()').raw().get();
      const version: unknown = Array.isArray(row) ? row[0] : undefined;
      if (typeof version !== 'string') throw new Error(`select sqlite_version() returned ${JSON.stringify(row)}`);
      return { version, addon: loadedAddon() };
    } finally {
      db.close();
    }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The file of the native addon libsql loaded, from Node's module cache: libsql picks its binary package
 * (`@libsql/<platform>`) at run time and does not say which one or from where.
 */
function loadedAddon(): string {
  const addonPackages = `${path.sep}@libsql${path.sep}`;
  const addon = Object.keys(require.cache).find((file) => file.endsWith('.node') && file.includes(addonPackages));
  if (addon === undefined) throw new Error('libsql opened a database, but no @libsql/* addon is in the module cache');
  return addon;
}
