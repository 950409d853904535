import { parseJsonColumn } from '../db/json';
import { multiRowStatement, runMultiRow } from '../db/multiRow';
import type { TaskDb } from '../db/taskDb';
import type { UnitContext } from '../store/unit';

export const sampleMapNames = ['committed', 'succeeded', 'failed'] as const;
export type SampleMapName = (typeof sampleMapNames)[number];

/** A sample's entries in the three maps: the entry's value, or absent. Rows are replaced, never changed. */
type Slot = { value: unknown } | undefined;
type SampleRow = Readonly<Record<SampleMapName, Slot>>;
type StoredRow = { key: string; committed: string | null; succeeded: string | null; failed: string | null };

export interface SampleCounts {
  committed: number;
  pending: number;
  responded: number;
  succeeded: number;
  failed: number;
  mixed: number;
}

const emptyRow: SampleRow = { committed: undefined, succeeded: undefined, failed: undefined };

/** How many stored rows are remembered as read (or written), so that a sample's repeated checks read the table once. */
const storedRowsKept = 4_096;
const zeroCounts = (): SampleCounts => ({ committed: 0, pending: 0, responded: 0, succeeded: 0, failed: 0, mixed: 0 });

/** What a sample counts as in the summary: only committed samples count. */
function categoryOf(row: SampleRow): 'pending' | 'succeeded' | 'failed' | 'mixed' | undefined {
  if (row.committed === undefined) return undefined;
  if (row.succeeded !== undefined && row.failed !== undefined) return 'mixed';
  if (row.succeeded !== undefined) return 'succeeded';
  if (row.failed !== undefined) return 'failed';
  return 'pending';
}

function addCategory(counts: SampleCounts, row: SampleRow, sign: 1 | -1): void {
  const category = categoryOf(row);
  if (category === undefined) return;
  counts.committed += sign;
  counts[category] += sign;
  if (category !== 'pending') counts.responded += sign;
}

/**
 * The sample maps of the task state over the `samples` table. Changes of units not yet committed (and of a dry
 * run, which never commits) are kept in memory and win over the database; once committed they are dropped from
 * memory again. The summary counts are kept current with every change, so reading them costs nothing.
 */
export class SampleMaps {
  private readonly changed = new Map<string, SampleRow>();
  /**
   * The latest stored rows as the database holds them (null: no row), as text, so that each read parses afresh as a
   * read of the table would; the oldest are dropped beyond `storedRowsKept`.
   */
  private readonly stored = new Map<string, StoredRow | null>();
  /** Stored rows read ahead for a batch (null: no row), kept until `forgetReadAhead` whatever `storedRowsKept` says. */
  private readonly readAheadRows = new Map<string, StoredRow | null>();
  /** Keys changed since the last validation, which later validations check. */
  private unvalidated = new Set<string>();
  private validatedOnce = false;
  /** The table was emptied by a change that is not committed yet (wipe_task). */
  private wiped = false;
  counts: SampleCounts;

  constructor(
    private readonly db: TaskDb,
    private readonly activeUnit: () => UnitContext | undefined,
  ) {
    this.counts = this.countStored();
  }

  /** A plain-object view of one map, for `T.committed_samples[key]` and friends. */
  view(name: SampleMapName): Record<string, unknown> {
    const descriptor = (value: unknown): PropertyDescriptor => ({ value, writable: true, enumerable: true, configurable: true });
    return new Proxy({} as Record<string, unknown>, {
      get: (_target, key) => (typeof key === 'string' ? this.row(key)[name]?.value : undefined),
      has: (_target, key) => typeof key === 'string' && this.row(key)[name] !== undefined,
      set: (_target, key, value) => {
        if (typeof key !== 'string') return false;
        this.write(key, name, { value });
        return true;
      },
      deleteProperty: (_target, key) => {
        if (typeof key === 'string') this.write(key, name, undefined);
        return true;
      },
      getOwnPropertyDescriptor: (_target, key) => {
        if (typeof key !== 'string') return undefined;
        const slot = this.row(key)[name];
        return slot === undefined ? undefined : descriptor(slot.value);
      },
      ownKeys: () => this.keys(name),
      defineProperty: () => false,
    });
  }

  /** Every key in a map (reads the whole column: for wipes and exports, not for per-sample checks). */
  keys(name: SampleMapName): string[] {
    const out: string[] = [];
    if (!this.wiped) {
      for (const row of this.db.iterate<{ key: string }>(`SELECT key FROM samples WHERE ${name} IS NOT NULL ORDER BY key`)) {
        if (!this.changed.has(row.key)) out.push(row.key);
      }
    }
    for (const [key, row] of this.changed) if (row[name] !== undefined) out.push(key);
    return out;
  }

  /** Forgets every sample (wipe_task); staged on the unit. */
  clear(u: UnitContext): void {
    const saved = { changed: new Map(this.changed), wiped: this.wiped, counts: this.counts };
    u.rs.onRevert(() => {
      this.restore(saved.changed);
      this.wiped = saved.wiped;
      this.counts = saved.counts;
    });
    this.changed.clear();
    this.stored.clear();
    this.readAheadRows.clear();
    this.wiped = true;
    this.counts = zeroCounts();
    u.tx.sql((db) => db.run('DELETE FROM samples'));
    u.tx.afterCommit(() => {
      this.wiped = false;
    });
  }

  /** Stages every change since the last save and returns the counts to save with them. */
  stage(u: UnitContext): SampleCounts {
    const rows = [...this.changed].map(([key, row]) => {
      const empty = row.committed === undefined && row.succeeded === undefined && row.failed === undefined;
      const stored: StoredRow | null = empty ? null : { key, committed: slotText(row.committed), succeeded: slotText(row.succeeded), failed: slotText(row.failed) };
      return { key, row, stored };
    });
    u.tx.sql((db) => {
      const upserts: StoredRow[] = [];
      for (const { key, stored } of rows) {
        if (stored === null) db.run('DELETE FROM samples WHERE key = ?', key);
        else upserts.push(stored);
      }
      runMultiRow(db, upsertSamplesSql, upserts, (stored) => [stored.key, stored.committed, stored.succeeded, stored.failed]);
    });
    u.tx.afterCommit(() => {
      for (const { key, row, stored } of rows) {
        this.remember(key, stored);
        if (this.readAheadRows.has(key)) this.readAheadRows.set(key, stored);
        // A key changed again after this save keeps its newer row.
        if (this.changed.get(key) === row) this.changed.delete(key);
      }
    });
    return { ...this.counts };
  }

  /**
   * Reads the stored rows of `keys` ahead in a few queries (the samples a batch's results name), so that the task's
   * per-sample reads and writes need none; they are kept until `forgetReadAhead`. Changes still win over them.
   */
  readAhead(keys: Iterable<string>): void {
    if (this.wiped) return;
    const wanted = [...new Set(keys)].filter((key) => !this.changed.has(key) && !this.readAheadRows.has(key));
    for (let start = 0; start < wanted.length; start += readAheadPerQuery) {
      const chunk = wanted.slice(start, start + readAheadPerQuery);
      for (const key of chunk) this.readAheadRows.set(key, null);
      const placeholders = chunk.map(() => '?').join(', ');
      for (const stored of this.db.all<StoredRow>(`SELECT key, committed, succeeded, failed FROM samples WHERE key IN (${placeholders})`, ...chunk)) {
        this.readAheadRows.set(stored.key, stored);
      }
    }
  }

  forgetReadAhead(): void {
    this.readAheadRows.clear();
  }

  /** The first broken invariant (task-manager.md 3.1), or undefined. */
  firstProblem(clean: boolean): string | undefined {
    const full = clean || !this.validatedOnce;
    const keys = full ? this.keysBreaking(clean) : [...this.unvalidated];
    this.validatedOnce = true;
    this.unvalidated = new Set();
    for (const key of keys) {
      const row = this.row(key);
      if (row.committed === undefined) {
        if (row.succeeded !== undefined) return `sample '${key}' is in succeeded_samples but not in committed_samples`;
        if (row.failed !== undefined) return `sample '${key}' is in failed_samples but not in committed_samples`;
      } else if (clean && row.succeeded === undefined && row.failed === undefined) {
        return `sample '${key}' is committed but has no response although no request is outstanding`;
      }
    }
    return undefined;
  }

  /** Keys that may break an invariant: stored rows found by a query, and every changed row. */
  private keysBreaking(clean: boolean): string[] {
    const where = clean ? '(committed IS NULL) <> (succeeded IS NULL AND failed IS NULL)' : 'committed IS NULL';
    const stored = this.wiped ? [] : this.db.all<{ key: string }>(`SELECT key FROM samples WHERE ${where} LIMIT 100`).map((r) => r.key);
    return [...stored.filter((key) => !this.changed.has(key)), ...this.changed.keys()];
  }

  private row(key: string): SampleRow {
    const changed = this.changed.get(key);
    if (changed !== undefined) return changed;
    if (this.wiped) return emptyRow;
    let stored = this.readAheadRows.has(key) ? this.readAheadRows.get(key) : this.stored.get(key);
    if (stored === undefined) {
      stored = this.db.get<StoredRow>('SELECT key, committed, succeeded, failed FROM samples WHERE key = ?', key) ?? null;
      this.remember(key, stored);
    }
    if (stored === null) return emptyRow;
    return { committed: this.slot(stored, 'committed'), succeeded: this.slot(stored, 'succeeded'), failed: this.slot(stored, 'failed') };
  }

  private slot(stored: StoredRow, column: SampleMapName): Slot {
    const value = stored[column];
    return value === null ? undefined : { value: parseJsonColumn(this.db.file, `samples.${column} of sample '${stored.key}'`, value) };
  }

  private remember(key: string, stored: StoredRow | null): void {
    this.stored.delete(key);
    this.stored.set(key, stored);
    if (this.stored.size > storedRowsKept) this.stored.delete(this.stored.keys().next().value as string);
  }

  private write(key: string, name: SampleMapName, slot: Slot): void {
    const before = this.row(key);
    if (before[name] === undefined && slot === undefined) return;
    const hadChange = this.changed.get(key);
    const after: SampleRow = { ...before, [name]: slot };
    const counts = { ...this.counts };
    addCategory(counts, before, -1);
    addCategory(counts, after, 1);
    const previousCounts = this.counts;
    this.counts = counts;
    this.changed.set(key, after);
    this.unvalidated.add(key);
    this.activeUnit()?.rs.onRevert(() => {
      if (hadChange === undefined) this.changed.delete(key);
      else this.changed.set(key, hadChange);
      this.counts = previousCounts;
    });
  }

  private restore(changed: Map<string, SampleRow>): void {
    this.changed.clear();
    for (const [key, row] of changed) this.changed.set(key, row);
  }

  private countStored(): SampleCounts {
    const row = this.db.get<SampleCounts>(`
      SELECT
        count(*) AS committed,
        coalesce(sum(succeeded IS NULL AND failed IS NULL), 0) AS pending,
        coalesce(sum(succeeded IS NOT NULL OR failed IS NOT NULL), 0) AS responded,
        coalesce(sum(succeeded IS NOT NULL AND failed IS NULL), 0) AS succeeded,
        coalesce(sum(failed IS NOT NULL AND succeeded IS NULL), 0) AS failed,
        coalesce(sum(succeeded IS NOT NULL AND failed IS NOT NULL), 0) AS mixed
      FROM samples WHERE committed IS NOT NULL`);
    return row ?? zeroCounts();
  }
}

function slotText(slot: Slot): string | null {
  return slot === undefined ? null : (JSON.stringify(slot.value) ?? 'null');
}

const readAheadPerQuery = 500;

const upsertSamplesSql = multiRowStatement(
  'INSERT INTO samples (key, committed, succeeded, failed)',
  '(?, ?, ?, ?)',
  'ON CONFLICT (key) DO UPDATE SET committed = excluded.committed, succeeded = excluded.succeeded, failed = excluded.failed',
);
