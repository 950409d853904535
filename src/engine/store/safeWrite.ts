import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../../shared/errors';
import { fsyncDir, hasErrorCode, randomSuffix, unlinkIfExists } from './fsUtil';
import type { RevertStack } from './revertStack';

/** What a safe write writes: a whole string or byte array, or chunks produced one after the other. If producing a
 *  chunk throws, the target is left untouched. */
export type WriteContent = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

export interface SafeWriteOptions {
  /** When given, the write is undone (previous content restored, or the new file deleted) if the stack's unit fails. */
  rstack?: RevertStack;
  /** Append to the existing content (the file is copied into the temp first) instead of replacing it. */
  append?: boolean;
  /** Helper names are `<prefix><file name><suffix>.<random>` in the target's directory. Defaults: no prefix,
   *  suffix `.bak` for backups and `.tmp` for temps. */
  backupPrefix?: string;
  backupSuffix?: string;
  tempPrefix?: string;
  tempSuffix?: string;
}

/** A helper file beside `file`: `<dir>/<prefix><name><suffix>.<random>`. */
export function helperPath(file: string, prefix: string, suffix: string): string {
  return path.join(path.dirname(file), `${prefix}${path.basename(file)}${suffix}.${randomSuffix()}`);
}

function checkAffixes(options: SafeWriteOptions): void {
  const affixes = {
    backupPrefix: options.backupPrefix ?? '',
    backupSuffix: options.backupSuffix ?? '.bak',
    tempPrefix: options.tempPrefix ?? '',
    tempSuffix: options.tempSuffix ?? '.tmp',
  };
  for (const [key, value] of Object.entries(affixes)) {
    if (/[/\\\0]/.test(value)) throw new InvalidInputError(`safe write option ${key} must not contain a path separator: '${value}'`);
  }
  if (affixes.backupPrefix === affixes.tempPrefix && affixes.backupSuffix === affixes.tempSuffix) {
    throw new InvalidInputError(`safe write temp and backup names must differ (both '${affixes.tempPrefix}<name>${affixes.tempSuffix}')`);
  }
}

/** Writes content to a file opened with `flags`, fsyncs it and closes it; on failure the file is deleted. */
export async function writeAndSync(file: string, flags: string, content: WriteContent): Promise<void> {
  const handle = await fsp.open(file, flags);
  try {
    // writeFile (unlike write) loops until the whole chunk is written, from the current position.
    if (typeof content === 'string' || content instanceof Uint8Array) {
      await handle.writeFile(content);
    } else if (Symbol.asyncIterator in content) {
      for await (const chunk of content) await handle.writeFile(chunk);
    } else {
      for (const chunk of content) await handle.writeFile(chunk);
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlinkIfExists(file);
    throw error;
  }
  await handle.close();
}

/**
 * Replaces (or appends to) a file so that it holds either its old or its whole new content, even after a crash:
 * the content goes to a fresh fsynced temp beside the target, which is renamed over it, and the directory is
 * fsynced. With `rstack`, the old version is kept as `<name>.bak.<random>` until the unit ends and put back if the
 * unit fails (or the new file is deleted if there was none). Helper files never outlive the call or the unit.
 */
export async function safeWriteFile(file: string, content: WriteContent, options: SafeWriteOptions = {}): Promise<void> {
  checkAffixes(options);
  const temp = helperPath(file, options.tempPrefix ?? '', options.tempSuffix ?? '.tmp');
  let flags = 'wx';
  if (options.append) {
    try {
      await fsp.copyFile(file, temp);
      flags = 'a';
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT')) {
        await unlinkIfExists(temp);
        throw error;
      }
    }
  }
  await writeAndSync(temp, flags, content);
  try {
    if (options.rstack) await backUpForRevert(file, options.rstack, options.backupPrefix ?? '', options.backupSuffix ?? '.bak');
    await fsp.rename(temp, file);
  } catch (error) {
    await unlinkIfExists(temp);
    throw error;
  }
  await fsyncDir(path.dirname(file));
}

async function backUpForRevert(file: string, rstack: RevertStack, prefix: string, suffix: string): Promise<void> {
  const backup = helperPath(file, prefix, suffix);
  try {
    await fsp.link(file, backup);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) {
      rstack.onRevert(() => unlinkIfExists(file));
      return;
    }
    // Some filesystems have no hard links: a copy keeps the same guarantee, only slower.
    await fsp.copyFile(file, backup);
  }
  // Registered before the restore so that, unwinding last-first, the restore runs before the backup is deleted.
  rstack.always(() => unlinkIfExists(backup));
  rstack.onRevert(async () => {
    await fsp.rename(backup, file);
    await fsyncDir(path.dirname(file));
  });
}

/**
 * Deletes a file so that the deletion can be undone: it is renamed to `<name>.del.<random>`, renamed back if the
 * stack's unit fails, and deleted when the unit ends. Returns the placeholder path, or null if the file was
 * missing and `missingOk`; a missing file otherwise rejects with the ENOENT error.
 */
export async function safeUnlink(file: string, rstack: RevertStack, missingOk = true): Promise<string | null> {
  const placeholder = helperPath(file, '', '.del');
  try {
    await fsp.rename(file, placeholder);
  } catch (error) {
    if (missingOk && hasErrorCode(error, 'ENOENT')) return null;
    throw error;
  }
  rstack.always(() => unlinkIfExists(placeholder));
  rstack.onRevert(() => fsp.rename(placeholder, file));
  await fsyncDir(path.dirname(file));
  return placeholder;
}
