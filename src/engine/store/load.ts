import { promises as fsp } from 'node:fs';
import type { z } from 'zod';
import { CorruptedStateError } from '../../shared/errors';
import { hasErrorCode, pathExists } from './fsUtil';
import { backupPathOf } from './journal';

const maxIssuesShown = 5;
const readChunkBytes = 1 << 20;

/** Reads and validates a JSON file; undefined if the file is missing. A file that is empty, truncated, not JSON or
 *  not valid against the schema rejects with CorruptedStateError naming the file, the key path and the backup. */
export async function readJsonFile<T>(file: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const size = Buffer.byteLength(text);
    let problem: string;
    if (text.trim() === '') problem = `is empty (${size} bytes)`;
    else if (endsEarly(text, (error as Error).message)) problem = `is truncated: its JSON ends early after ${size} bytes`;
    else problem = `is not valid JSON (${(error as Error).message})`;
    throw await corrupted(file, `${file} ${problem}`);
  }
  return validate(file, schema, value, file);
}

/** True if a JSON parse error says the text stopped in the middle of a value (V8 names the position where it
 *  gave up: the end of the text, or the start of a string that never ends). */
function endsEarly(text: string, message: string): boolean {
  if (/end of (JSON )?input|Unterminated string/i.test(message)) return true;
  const position = /at position (\d+)/.exec(message)?.[1];
  return position !== undefined && Number(position) >= text.trimEnd().length;
}

/**
 * A check that a parsed line is valid against the schema, far cheaper than the schema itself: a line it accepts is
 * not checked again, one it refuses is checked by the schema (which then accepts it, or says what is wrong). For files
 * the engine writes itself and reads back in bulk.
 */
export type SoundLineCheck<T> = (value: unknown) => value is T;

/** Reads and validates every line of a JSON Lines file (see {@link readJsonlLines}). */
export async function readJsonlFile<T>(file: string, schema: z.ZodType<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const { value } of readJsonlLines(file, schema)) values.push(value);
  return values;
}

/**
 * Streams the lines of a JSON Lines file, each validated, with its 1-based line number and its size in bytes (its
 * UTF-8 text and the newline that ends it). A missing file, an empty line, a line that is not JSON or not valid
 * against the schema, and a last line cut short without its newline (a torn write, reported with its byte offset)
 * reject with CorruptedStateError naming the file and the line.
 */
export async function* readJsonlLines<T>(file: string, schema: z.ZodType<T>, isSound?: SoundLineCheck<T>): AsyncGenerator<{ line: number; value: T; size: number }> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) throw new CorruptedStateError(file, `${file} is missing`);
    throw error;
  }
  try {
    let line = 0;
    let offset = 0;
    let pending: Buffer[] = [];
    // Reads of 1 MiB: a batch file of 50,000 requests then takes a few dozen reads instead of hundreds.
    for await (const chunk of handle.createReadStream({ autoClose: false, highWaterMark: readChunkBytes }) as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
        const bytes = pending.length === 0 ? chunk.subarray(start, end) : Buffer.concat([...pending, chunk.subarray(start, end)]);
        pending = [];
        line += 1;
        const valid = validLine(schema, bytes, isSound);
        yield { line, value: valid !== undefined ? valid.value : await parseLine(file, schema, bytes, line, offset, true), size: bytes.length + 1 };
        offset += bytes.length + 1;
        start = end + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
    if (pending.length > 0) {
      line += 1;
      const bytes = Buffer.concat(pending);
      yield { line, value: await parseLine(file, schema, bytes, line, offset, false), size: bytes.length };
    }
  } finally {
    await handle.close();
  }
}

/**
 * The value of a line that is JSON and valid against the schema, checked without waiting (most lines of a file are
 * sound); undefined otherwise, and `parseLine` then says what is wrong.
 */
function validLine<T>(schema: z.ZodType<T>, bytes: Buffer, isSound: SoundLineCheck<T> | undefined): { value: T } | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    if (isSound?.(value)) return { value };
    const parsed = schema.safeParse(value);
    return parsed.success ? { value: parsed.data } : undefined;
  } catch {
    // Not JSON, or a schema that can only be checked asynchronously.
    return undefined;
  }
}

async function parseLine<T>(file: string, schema: z.ZodType<T>, bytes: Buffer, line: number, offset: number, complete: boolean): Promise<T> {
  const text = bytes.toString('utf8');
  const where = `${file} line ${line}`;
  if (text.trim() === '') throw await corrupted(file, `${where} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!complete) {
      throw await corrupted(file, `${where} (from byte ${offset}) is cut short and has no final newline: a write was torn`);
    }
    throw await corrupted(file, `${where} is not valid JSON (${(error as Error).message})`);
  }
  return validate(file, schema, value, where);
}

async function validate<T>(file: string, schema: z.ZodType<T>, value: unknown, where: string): Promise<T> {
  const parsed = await schema.safeParseAsync(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const shown = issues.slice(0, maxIssuesShown).map((issue) => `${formatPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, '')}`);
  if (issues.length > maxIssuesShown) shown.push(`and ${issues.length - maxIssuesShown} more`);
  throw await corrupted(file, `${where} does not hold what the engine expects: ${shown.join('; ')}`);
}

/** Formats a key path as `batches[3].id` (`(top level)` for the value itself). */
export function formatPath(keys: readonly PropertyKey[]): string {
  let text = '';
  for (const key of keys) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(top level)' : text;
}

async function corrupted(file: string, problem: string): Promise<CorruptedStateError> {
  const backup = backupPathOf(file);
  const hint = (await pathExists(backup))
    ? `The previous version is kept in ${backup}; to go back to it: mv ${shellQuote(backup)} ${shellQuote(file)}`
    : `There is no backup of it (${backup} does not exist).`;
  return new CorruptedStateError(file, `${problem}. ${hint}`);
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
