import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';

/** A random suffix for helper file names (`<name>.tmp.<suffix>`): 12 lowercase hex digits. */
export function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** True if `error` is a Node system error with the given code (e.g. 'ENOENT'). */
export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/** Flushes a directory's entries (renames, creations, deletions) to disk. Windows cannot open directories, and
 *  its renames are durable without it, so there this does nothing. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes a file; a missing file is not an error. */
export async function unlinkIfExists(file: string): Promise<void> {
  try {
    await fsp.unlink(file);
  } catch (error) {
    if (!hasErrorCode(error, 'ENOENT')) throw error;
  }
}

/** True if the path exists (any type). */
export async function pathExists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return false;
    throw error;
  }
}
