import type Database from 'libsql';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CorruptedStateError } from '../../shared/errors';
import { migrations, schemaVersion } from './schema';

/** A value SQLite stores or returns. */
export type SqlValue = string | number | bigint | null | Buffer;
export type SqlRow = Record<string, SqlValue>;

/**
 * The libsql driver, loaded on first use: its native binary is only needed by commands that open a task, so the
 * others (estimate, sim, --help) work from a bundle copied anywhere.
 */
function driver(): typeof Database {
  return require('libsql') as typeof Database;
}

/** The database file of a task directory. */
export function taskDbPath(dir: string): string {
  return path.join(dir, 'task.db');
}

/**
 * A task's SQLite database (`task.db`). The engine opens it for writing under the task lock; any number of readers
 * (status, the editor's views) open it read-only at the same time, without a lock.
 */
export class TaskDb {
  private readonly statements = new Map<string, Database.Statement>();
  private version = schemaVersion;

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    readonly readonly: boolean,
  ) {}

  /**
   * Opens (creating if missing) the database for the one writer, and migrates it to the current schema. A file that
   * is not a database, is damaged, or was written by a newer version is a corrupted-state error naming it.
   */
  static openForWriting(file: string): TaskDb {
    return TaskDb.openWriter(file, file);
  }

  /**
   * The database for a dry run, which writes nothing: the task's own, read-only, or a fresh one in memory when the
   * task has none yet. A database that would need a migration is refused: only a real run may change it.
   */
  static openForDryRun(file: string): TaskDb {
    if (!existsSync(file)) return TaskDb.openWriter(file, ':memory:');
    const db = TaskDb.openReadonly(file) as TaskDb;
    const version = db.storedVersion();
    if (version !== schemaVersion) {
      db.close();
      throw new CorruptedStateError(file, `${file} uses database schema ${version ?? 'none'}; run the task once without --dryrun to upgrade it to schema ${schemaVersion}`);
    }
    return db;
  }

  private static openWriter(file: string, location: string): TaskDb {
    const Driver = driver();
    const db = guard(file, () => new Driver(location));
    const taskDb = new TaskDb(file, db, false);
    guard(file, () => {
      // WAL lets readers see the last committed unit while the engine writes the next one. synchronous=FULL fsyncs
      // the WAL at every commit: a committed unit (a pushed batch's id, a direct answer) survives a power loss, so
      // a restart never pushes a batch twice or pays for an answer again; units are large enough that the fsync
      // is a small part of their cost. Checkpoints run automatically (every 1,000 pages) and at close.
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      db.exec('PRAGMA foreign_keys = ON');
      taskDb.checkIntegrity();
      taskDb.migrate();
    });
    return taskDb;
  }

  /** Opens an existing database read-only; undefined if the task has no database yet. */
  static openReadonly(file: string): TaskDb | undefined {
    if (!existsSync(file)) return undefined;
    const Driver = driver();
    const db = guard(file, () => new Driver(file, { readonly: true }));
    const taskDb = new TaskDb(file, db, true);
    guard(file, () => {
      const version = taskDb.storedVersion();
      if (version === undefined) throw new CorruptedStateError(file, `${file} has no schema version; it was not written by GPT Batch`);
      if (version > schemaVersion) throw newerVersionError(file, version);
      taskDb.version = version;
    });
    return taskDb;
  }

  /**
   * The schema version of the database as opened (a writer migrates it to the current one). A reader's stays what
   * it was at opening while a run may upgrade the file: a later schema keeps serving the queries of an earlier one.
   */
  get schemaVersion(): number {
    return this.version;
  }

  /** One row, or undefined. */
  get<T extends object = SqlRow>(sql: string, ...params: SqlValue[]): T | undefined {
    const row = guard(this.file, () => this.statement(sql).get(...params)) as (T & { _metadata?: unknown }) | undefined;
    if (row !== undefined && row !== null) delete row._metadata;
    return row ?? undefined;
  }

  /** Every row. */
  all<T extends object = SqlRow>(sql: string, ...params: SqlValue[]): T[] {
    return guard(this.file, () => this.statement(sql).all(...params)) as T[];
  }

  /** Rows one at a time, so that a large result never sits in memory whole. */
  *iterate<T extends object = SqlRow>(sql: string, ...params: SqlValue[]): IterableIterator<T> {
    const rows = guard(this.file, () => this.statement(sql).iterate(...params)) as IterableIterator<T>;
    yield* rows;
  }

  run(sql: string, ...params: SqlValue[]): { changes: number } {
    const info = guard(this.file, () => this.statement(sql).run(...params));
    return { changes: Number(info.changes) };
  }

  exec(sql: string): void {
    guard(this.file, () => this.db.exec(sql));
  }

  /**
   * Runs body (one small write) in a transaction that is not fsynced at commit: for writes that are harmless to lose
   * in a power loss, such as dropping a journal row whose replay is idempotent. WAL keeps the database consistent.
   */
  runUnsynced(body: () => void): void {
    this.exec('PRAGMA synchronous = NORMAL');
    try {
      this.transaction(body);
    } finally {
      this.exec('PRAGMA synchronous = FULL');
    }
  }

  /** Runs body in one transaction: all of its writes are committed together, or none if it throws. */
  transaction<T>(body: () => T): T {
    return guard(this.file, () => this.db.transaction(body)());
  }

  /** Moves the WAL into the main file (so the directory holds one file again) and closes. */
  close(): void {
    try {
      if (!this.readonly) this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private storedVersion(): number | undefined {
    const table = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").all();
    if (table.length === 0) return undefined;
    const row = this.db.prepare('SELECT version FROM schema_version').all()[0] as { version: number } | undefined;
    return row?.version;
  }

  private checkIntegrity(): void {
    const rows = this.db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length > 0) throw new CorruptedStateError(this.file, `${this.file} is damaged: ${problems.slice(0, 3).join('; ')}. ${wayOut(this.file)}`);
  }

  private migrate(): void {
    const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    let version = this.storedVersion();
    if (version === undefined) {
      if (tables.length > 0) throw new CorruptedStateError(this.file, `${this.file} is a database of another program (it has no GPT Batch schema version)`);
      version = 0;
    }
    if (version > schemaVersion) throw newerVersionError(this.file, version);
    for (let next = version + 1; next <= schemaVersion; next += 1) {
      const migration = migrations[next - 1] as string;
      this.db.transaction(() => {
        this.db.exec(migration);
        this.db.exec(next === 1 ? 'INSERT INTO schema_version (version) VALUES (1)' : `UPDATE schema_version SET version = ${next}`);
      })();
    }
  }
}

function wayOut(file: string): string {
  return `Restore ${path.basename(file)} from a backup, or move the task directory ${path.dirname(file)} away to start the task afresh (its saved results are then lost).`;
}

function newerVersionError(file: string, version: number): CorruptedStateError {
  return new CorruptedStateError(
    file,
    `${file} was written by a newer version of GPT Batch (database schema ${version}; this version reads up to ${schemaVersion}). Upgrade GPT Batch to continue this task.`,
  );
}

/** Runs a database call, turning SQLite's "not a database" and "malformed" errors into a corrupted-state error. */
function guard<T>(file: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof CorruptedStateError) throw error;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /malformed|not a database/i.test(message)) {
      throw new CorruptedStateError(file, `${file} is not a readable task database (${message}). ${wayOut(file)}`, { cause: error });
    }
    throw error;
  }
}
