import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../shared/errors';
import type { TaskDb } from '../db/taskDb';
import type { LiveFeed } from '../events/liveFeed';
import { noopLogger, type Logger } from '../log';
import { fsyncDir, hasErrorCode, unlinkIfExists } from './fsUtil';
import { applyJournal, parseJournal, replaceKeepingBackup, type Journal, type JournalOp } from './journal';
import { helperPath, writeAndSync } from './safeWrite';

export interface FileStoreOptions {
  /** Journal file name inside dir, e.g. 'P.journal'. */
  journalName: string;
  logger?: Logger;
  /** Commits log what they would save and write nothing. */
  dryrun?: boolean;
  /**
   * The task database. With it, a commit's database writes and its file changes are one transaction: the journal
   * of the file changes is a row written in the same SQLite transaction (the commit point), applied right after.
   */
  db?: TaskDb;
  /** Told after every committed unit of work, to report the engine's live state. */
  live?: LiveFeed;
}

/** A database write staged on a transaction; it runs inside the commit's SQLite transaction. */
export type SqlWrite = (db: TaskDb) => void;

type Chunk = string | Uint8Array;
type StagedChange = { kind: 'replace'; chunks: Chunk[] } | { kind: 'append'; chunks: string[] } | { kind: 'remove' };

/** Matches the temps of writes and commits that a crash interrupted before they took effect. */
const leftoverTempName = /\.tmp\.[0-9a-f]{12}$/;

/**
 * Writes one file so that it holds either its old or its whole new content after a crash at any moment: fsynced
 * temp, previous version kept as `<file>.bak` (hard link), rename over the target, directory fsync.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const temp = helperPath(file, '', '.tmp');
  await writeAndSync(temp, 'wx', content);
  try {
    await replaceKeepingBackup(temp, file);
  } catch (error) {
    await unlinkIfExists(temp);
    throw error;
  }
  await fsyncDir(path.dirname(file));
}

/**
 * The task directory's files, changed only through crash-atomic transactions: after a `kill -9` or a power loss at
 * any moment, the next open sees either all of a transaction's changes or none of them.
 */
export class FileStore {
  readonly dryrun: boolean;
  private readonly logger: Logger;
  private readonly journalPath: string;
  readonly db: TaskDb | undefined;
  /** Told after every committed unit of work (see `runUnit`). */
  readonly live: LiveFeed | undefined;
  private commitChain: Promise<void> = Promise.resolve();
  private failure: unknown;

  private constructor(
    readonly dir: string,
    options: FileStoreOptions,
  ) {
    this.dryrun = options.dryrun ?? false;
    this.logger = options.logger ?? noopLogger;
    this.journalPath = path.join(dir, options.journalName);
    this.db = options.db;
    this.live = options.live;
  }

  /**
   * Opens the store (the caller holds the task lock). Finishes (rolls forward) a commit that a crash interrupted
   * after its journal was written, removes temp files of commits that never reached their journal, and logs what
   * it recovered. An interrupted commit is finished even in dry run: it belongs to an earlier run that saved it.
   */
  static async open(dir: string, options: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(path.resolve(dir), options);
    await store.recover();
    return store;
  }

  /** A new transaction; nothing touches the disk until commit. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** Resolves a path given to a transaction (absolute, or relative to the store directory). */
  resolve(file: string): string {
    return path.resolve(this.dir, file);
  }

  private async recover(): Promise<void> {
    const text = this.db ? this.db.get<{ journal: string }>('SELECT journal FROM file_journal')?.journal : await readIfExists(this.journalPath);
    if (text !== undefined) {
      const journal = parseJournal(this.db ? this.db.file : this.journalPath, text);
      await applyJournal(this.dir, journal);
      // A read-only database (a dry run) keeps the row: its next writer deletes it after replaying it once more.
      if (this.db) {
        if (!this.db.readonly) this.db.run('DELETE FROM file_journal');
      } else await fsp.unlink(this.journalPath);
      await fsyncDir(this.dir);
      const files = journal.ops.map((op) => op.file).join(', ');
      this.logger.warn(`Completed a commit that was interrupted before it finished (${journal.ops.length} file(s): ${files})`);
    }
    const leftovers = (await fsp.readdir(this.dir)).filter((name) => leftoverTempName.test(name));
    for (const name of leftovers) await unlinkIfExists(path.join(this.dir, name));
    if (leftovers.length > 0) {
      this.logger.info(`Removed ${leftovers.length} temporary file(s) of writes that never took effect: ${leftovers.join(', ')}`);
    }
  }

  /** Commits staged changes, one commit at a time. */
  commitChanges(changes: Map<string, StagedChange>, writes: SqlWrite[]): Promise<void> {
    const run = this.commitChain.then(() => this.commitNow(changes, writes));
    this.commitChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async commitNow(changes: Map<string, StagedChange>, writes: SqlWrite[]): Promise<void> {
    if (this.failure !== undefined) {
      throw new EngineError('corruptedState', `An earlier commit in ${this.dir} could not be completed; reopen the task to finish it`, {
        cause: this.failure,
      });
    }
    if (this.dryrun) {
      for (const file of changes.keys()) this.logger.info(`[DRYRUN] Did not save ${file}`);
      if (writes.length > 0) this.logger.info(`[DRYRUN] Did not save ${writes.length} change(s) to the task database`);
      return;
    }
    if (this.db) return this.commitWithDb(this.db, changes, writes);
    if (writes.length > 0) throw new Error('This store has no database to write to');
    const ops = await this.prepare(changes);
    const only = ops.length === 1 ? ops[0] : undefined;
    // A single replace or remove in the store directory needs no journal: its rename or unlink is atomic by itself.
    // (Its directory fsync also makes the previous journal's deletion durable, which replaying relies on.)
    if (only && only.op !== 'append' && path.dirname(this.resolve(only.file)) === this.dir) {
      await this.rollForward({ version: 1, ops }, false);
      return;
    }
    const journalTemp = helperPath(this.journalPath, '', '.tmp');
    try {
      await writeAndSync(journalTemp, 'wx', JSON.stringify({ version: 1, ops } satisfies Journal));
      await fsp.rename(journalTemp, this.journalPath);
    } catch (error) {
      await unlinkIfExists(journalTemp);
      await this.removeTemps(ops);
      throw error;
    }
    // The commit point: from here on the changes are committed and are only rolled forward.
    await this.rollForward({ version: 1, ops }, true);
  }

  /**
   * The database transaction is the commit point: it holds the unit's database writes and the journal of its file
   * changes (whose new contents are already durable in temps). Once the changes are applied the row is deleted, so
   * that the next open (a dry run, say) has nothing to replay.
   */
  private async commitWithDb(db: TaskDb, changes: Map<string, StagedChange>, writes: SqlWrite[]): Promise<void> {
    const ops = await this.prepare(changes);
    // The temps' directory entries must be durable before the commit point that refers to them.
    if (ops.some((op) => op.op === 'replace')) await fsyncDir(this.dir);
    try {
      db.transaction(() => {
        for (const write of writes) write(db);
        if (ops.length > 0) db.run('INSERT OR REPLACE INTO file_journal (id, journal) VALUES (1, ?)', JSON.stringify({ version: 1, ops } satisfies Journal));
      });
    } catch (error) {
      await this.removeTemps(ops);
      throw error;
    }
    if (ops.length === 0) return;
    // applyJournal fsyncs the directories it touched, so the changes are durable before the row goes.
    await this.rollForward({ version: 1, ops }, false);
    // Losing this deletion in a power loss only makes the next open replay the journal, which changes nothing.
    db.runUnsynced(() => db.run('DELETE FROM file_journal'));
  }

  /** Applies a committed journal. If that fails, what is on disk no longer matches the caller's memory, so the
   *  store refuses further commits until it is reopened (which finishes the journal). */
  private async rollForward(journal: Journal, journaled: boolean): Promise<void> {
    try {
      if (journaled) await fsyncDir(this.dir);
      await applyJournal(this.dir, journal);
      // Not fsynced: the next commit's directory fsync makes the deletion durable, and until then replaying the
      // journal again after a power loss is harmless because no later change touched its files.
      if (journaled) await fsp.unlink(this.journalPath);
    } catch (error) {
      this.failure = error;
      const message = error instanceof Error ? error.message : String(error);
      throw new EngineError('corruptedState', `A commit in ${this.dir} could not be completed (${message}); reopen the task to finish it`, {
        cause: error,
      });
    }
  }

  /** Writes every replaced content to an fsynced temp and measures every appended file. */
  private async prepare(changes: Map<string, StagedChange>): Promise<JournalOp[]> {
    const relative = (file: string) => path.relative(this.dir, file);
    const temps: string[] = [];
    try {
      return await Promise.all(
        [...changes].map(async ([file, change]): Promise<JournalOp> => {
          if (change.kind === 'remove') return { op: 'remove', file: relative(file) };
          if (change.kind === 'append') return { op: 'append', file: relative(file), offset: await sizeOrZero(file), data: change.chunks.join('') };
          const temp = helperPath(file, '', '.tmp');
          temps.push(temp);
          await writeAndSync(temp, 'wx', change.chunks);
          return { op: 'replace', file: relative(file), temp: relative(temp) };
        }),
      );
    } catch (error) {
      for (const temp of temps) await unlinkIfExists(temp);
      throw error;
    }
  }

  private async removeTemps(ops: JournalOp[]): Promise<void> {
    for (const op of ops) if (op.op === 'replace') await unlinkIfExists(this.resolve(op.temp));
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

async function sizeOrZero(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return 0;
    throw error;
  }
}

/**
 * The changes of one unit of work to the store's files. Later changes to the same file compose (two appends, an
 * append after a replace, a replace after a remove...). Nothing touches the disk until {@link commit}.
 */
export class Transaction {
  private readonly changes = new Map<string, StagedChange>();
  private readonly writes: SqlWrite[] = [];
  private readonly committedCallbacks: (() => void)[] = [];
  private finished = false;

  constructor(private readonly store: FileStore) {}

  /** Replaces a file with a value's JSON (pretty = indent 2) and a final newline. */
  writeJson(file: string, value: unknown, options: { pretty?: boolean } = {}): void {
    this.writeText(file, `${toJson(value, options.pretty ? 2 : undefined)}\n`);
  }

  /** Replaces a file with the given text or bytes. */
  writeText(file: string, content: string | Uint8Array): void {
    this.stage(file, { kind: 'replace', chunks: [content] });
  }

  /** Replaces a file with one compact JSON value per line. */
  writeJsonl(file: string, values: Iterable<unknown>): void {
    this.writeText(file, jsonLines(values));
  }

  /** Appends text to a file (creating it if missing); the commit costs time proportional to the appended bytes. */
  appendText(file: string, content: string): void {
    const key = this.key(file);
    const staged = this.changes.get(key);
    if (staged === undefined) this.changes.set(key, { kind: 'append', chunks: [content] });
    else if (staged.kind === 'remove') this.changes.set(key, { kind: 'replace', chunks: [content] });
    else staged.chunks.push(content);
  }

  /** Appends one compact JSON value per line. */
  appendJsonl(file: string, values: Iterable<unknown>): void {
    this.appendText(file, jsonLines(values));
  }

  /** Stages a database write; it runs, in staging order, inside the commit's database transaction. */
  sql(write: SqlWrite): void {
    this.checkOpen();
    this.writes.push(write);
  }

  /** Runs after the commit succeeded (not in dry run, where nothing is committed). */
  afterCommit(callback: () => void): void {
    this.checkOpen();
    this.committedCallbacks.push(callback);
  }

  /** Deletes a file (and its `.bak`); a missing file is not an error. */
  remove(file: string): void {
    this.stage(file, { kind: 'remove' });
  }

  /** True if nothing is staged. */
  get isEmpty(): boolean {
    return this.changes.size === 0 && this.writes.length === 0;
  }

  /** Applies every staged change atomically; in dry run logs "[DRYRUN] Did not save <file>" per file and writes nothing. */
  async commit(): Promise<void> {
    this.checkOpen();
    this.finished = true;
    if (this.isEmpty) return;
    await this.store.commitChanges(this.changes, this.writes);
    if (!this.store.dryrun) for (const callback of this.committedCallbacks) callback();
  }

  /** Drops staged changes. Commits clean up their own temps, so nothing is on disk to remove. */
  async discard(): Promise<void> {
    this.finished = true;
    this.changes.clear();
    this.writes.length = 0;
  }

  private stage(file: string, change: StagedChange): void {
    this.changes.set(this.key(file), change);
  }

  private key(file: string): string {
    this.checkOpen();
    return this.store.resolve(file);
  }

  private checkOpen(): void {
    if (this.finished) throw new Error('This transaction was already committed or discarded');
  }
}

function toJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  if (text === undefined) throw new TypeError(`A value of type ${typeof value} cannot be saved as JSON`);
  return text;
}

function jsonLines(values: Iterable<unknown>): string {
  let text = '';
  for (const value of values) text += `${toJson(value)}\n`;
  return text;
}
