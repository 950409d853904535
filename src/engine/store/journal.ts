import { constants as fsConstants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CorruptedStateError } from '../../shared/errors';
import { fsyncDir, hasErrorCode, pathExists, unlinkIfExists } from './fsUtil';

// The redo journal of a multi-file commit. It is written (atomically) only once every new content is durable in a
// temp file, so its presence means "this commit happened"; applying it is idempotent, so a crash while applying
// is repaired by applying it again. File paths are relative to the store directory, so a task directory can be
// moved between a crash and the next open.

const journalOpSchema = z.discriminatedUnion('op', [
  /** Rename `temp` over `file`, keeping the previous version as `<file>.bak`. */
  z.object({ op: z.literal('replace'), file: z.string(), temp: z.string() }),
  /** Cut `file` to `offset` bytes (its committed length) and write `data` there. */
  z.object({ op: z.literal('append'), file: z.string(), offset: z.number().int().nonnegative(), data: z.string() }),
  /** Delete `file` and its `.bak`. */
  z.object({ op: z.literal('remove'), file: z.string() }),
]);
const journalSchema = z.object({ version: z.literal(1), ops: z.array(journalOpSchema) });

export type JournalOp = z.infer<typeof journalOpSchema>;
export type Journal = z.infer<typeof journalSchema>;

/** Parses a journal file's text; a journal that does not parse is a corrupted task directory. */
export function parseJournal(file: string, text: string): Journal {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CorruptedStateError(file, `The commit journal ${file} cannot be parsed: ${(error as Error).message}`);
  }
  const parsed = journalSchema.safeParse(value);
  if (!parsed.success) {
    throw new CorruptedStateError(file, `The commit journal ${file} is not valid: ${parsed.error.issues[0]?.message ?? 'unknown error'}`);
  }
  return parsed.data;
}

/** The one-generation backup kept beside a replaced file. */
export function backupPathOf(file: string): string {
  return `${file}.bak`;
}

/** Renames `temp` over `file`, first making `<file>.bak` a hard link to (or, where links are unsupported, a copy
 *  of) the current version. Does not fsync the directory. */
export async function replaceKeepingBackup(temp: string, file: string): Promise<void> {
  const backup = backupPathOf(file);
  if (await pathExists(file)) {
    await unlinkIfExists(backup);
    try {
      await fsp.link(file, backup);
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT')) throw error;
      await fsp.copyFile(file, backup);
    }
  }
  await fsp.rename(temp, file);
}

/** Writes `data` at byte `offset` of `file` after cutting it there, and fsyncs it. */
async function writeAtOffset(file: string, offset: number, data: string): Promise<void> {
  const handle = await fsp.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT);
  try {
    const { size } = await handle.stat();
    if (size < offset) {
      throw new CorruptedStateError(
        file,
        `${file} holds ${size} bytes, fewer than the ${offset} it held when its last commit started; it was changed outside the engine`,
      );
    }
    await handle.truncate(offset);
    const bytes = Buffer.from(data, 'utf8');
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, offset + written);
      written += bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Applies every op of a journal (idempotently) and fsyncs the directories it touched. */
export async function applyJournal(dir: string, journal: Journal): Promise<void> {
  const touchedDirs = new Set<string>();
  for (const op of journal.ops) {
    const file = path.resolve(dir, op.file);
    touchedDirs.add(path.dirname(file));
    if (op.op === 'replace') {
      const temp = path.resolve(dir, op.temp);
      // A missing temp means this op was applied before a crash: the temp existed when the journal was written.
      if (await pathExists(temp)) await replaceKeepingBackup(temp, file);
    } else if (op.op === 'append') {
      await writeAtOffset(file, op.offset, op.data);
    } else {
      await unlinkIfExists(file);
      await unlinkIfExists(backupPathOf(file));
    }
  }
  for (const touched of touchedDirs) await fsyncDir(touched);
}
