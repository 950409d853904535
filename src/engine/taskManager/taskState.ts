import { CorruptedStateError } from '../../shared/errors';
import { parseJsonColumn } from '../db/json';
import type { TaskDb } from '../db/taskDb';
import type { UnitContext } from '../store/unit';
import { SampleMaps, type SampleCounts } from './sampleMaps';

/** The five maps of the task state that the task edits (task-manager.md 3.1). */
export const taskMapNames = ['committed_meta', 'committed_samples', 'responded_meta', 'failed_samples', 'succeeded_samples'] as const;
export type TaskMapName = (typeof taskMapNames)[number];
export type JsonMap = Record<string, unknown>;
export type { SampleCounts } from './sampleMaps';

type TaskRow = { task_id: string; created_at: number; meta: string; committed_meta: string; responded_meta: string };

/**
 * The task state `T`: fixed `meta`, the two task-level maps (`committed_meta`, `responded_meta`, small, kept in
 * memory) and the three sample maps, which live in the task database and are read on demand, so a task with
 * millions of samples holds only what its current unit changed. Assigning or deleting an entry while a unit of
 * work is active registers its undo on that unit; `save` stages what changed. Entries read from a sample map are
 * copies: replace a value to change it, never mutate it in place.
 */
export class TaskState {
  meta: JsonMap;
  readonly committed_meta: JsonMap;
  readonly responded_meta: JsonMap;
  readonly committed_samples: JsonMap;
  readonly failed_samples: JsonMap;
  readonly succeeded_samples: JsonMap;
  /** The unit whose revert stack receives undos of map changes; set by the task manager around task hooks. */
  activeUnit: UnitContext | undefined;
  /** The task's identity, created with its database and sent as metadata with its batches. */
  readonly taskId: string;
  /** When the task was created, in seconds since the epoch. */
  private readonly createdAt: number;

  private readonly samples: SampleMaps;
  private readonly metaMaps: Record<'committed_meta' | 'responded_meta', JsonMap>;
  private metaDirty = false;

  private constructor(
    private readonly db: TaskDb,
    row: TaskRow,
  ) {
    const parse = (column: 'meta' | 'committed_meta' | 'responded_meta') => parseJsonColumn(db.file, `task.${column}`, row[column]) as JsonMap;
    this.taskId = row.task_id;
    this.createdAt = row.created_at;
    this.meta = parse('meta');
    this.metaMaps = { committed_meta: parse('committed_meta'), responded_meta: parse('responded_meta') };
    this.committed_meta = this.trackMeta('committed_meta');
    this.responded_meta = this.trackMeta('responded_meta');
    this.samples = new SampleMaps(db, () => this.activeUnit);
    this.committed_samples = this.samples.view('committed');
    this.succeeded_samples = this.samples.view('succeeded');
    this.failed_samples = this.samples.view('failed');
  }

  /** Loads the task state; undefined if the task has none yet. */
  static load(db: TaskDb): TaskState | undefined {
    const row = db.get<TaskRow>('SELECT task_id, created_at, meta, committed_meta, responded_meta FROM task');
    return row === undefined ? undefined : new TaskState(db, row);
  }

  /** A new task state with the given meta, task id and creation time in seconds (saved by the caller with `save`). */
  static create(db: TaskDb, meta: JsonMap, taskId: string, createdAt: number): TaskState {
    const state = new TaskState(db, { task_id: taskId, created_at: createdAt, meta: JSON.stringify(meta), committed_meta: '{}', responded_meta: '{}' });
    state.metaDirty = true;
    return state;
  }

  /** The database file, named in errors about the task state. */
  get file(): string {
    return this.db.file;
  }

  private trackMeta(name: 'committed_meta' | 'responded_meta'): JsonMap {
    const target = this.metaMaps[name];
    const record = (key: string, existed: boolean, old: unknown) => {
      this.metaDirty = true;
      this.activeUnit?.rs.onRevert(() => {
        if (existed) target[key] = old;
        else delete target[key];
      });
    };
    return new Proxy(target, {
      set: (obj, key, value) => {
        if (typeof key !== 'string') return Reflect.set(obj, key, value);
        record(key, Object.hasOwn(obj, key), obj[key]);
        obj[key] = value;
        return true;
      },
      deleteProperty: (obj, key) => {
        if (typeof key !== 'string' || !Object.hasOwn(obj, key)) return true;
        record(key, true, obj[key]);
        delete obj[key];
        return true;
      },
    });
  }

  /** Replaces the whole meta (reinit_meta, wipe_task). */
  replaceMeta(meta: JsonMap): void {
    this.meta = structuredClone(meta);
    this.metaDirty = true;
  }

  /** Empties every map and sets a fresh meta (wipe_task). */
  reset(u: UnitContext, meta: JsonMap): void {
    this.replaceMeta(meta);
    for (const name of ['committed_meta', 'responded_meta'] as const) {
      for (const key of Object.keys(this.metaMaps[name])) delete this.metaMaps[name][key];
    }
    this.samples.clear(u);
  }

  /**
   * Runs body with the stored sample rows of `keys` read ahead (see `SampleMaps.readAhead`), so that a batch's
   * per-sample reads and writes cost no query each.
   */
  async withSamplesRead<T>(keys: Iterable<string>, body: () => Promise<T>): Promise<T> {
    this.samples.readAhead(keys);
    try {
      return await body();
    } finally {
      this.samples.forgetReadAhead();
    }
  }

  /** Stages the changes since the last save on the unit's transaction. */
  save(u: UnitContext): void {
    const metaDirty = this.metaDirty;
    u.rs.onRevert(() => {
      this.metaDirty = metaDirty;
    });
    this.metaDirty = false;
    const counts = JSON.stringify(this.samples.stage(u));
    if (metaDirty) {
      const row = [this.taskId, this.createdAt, JSON.stringify(this.meta), JSON.stringify(this.metaMaps.committed_meta), JSON.stringify(this.metaMaps.responded_meta), counts] as const;
      u.tx.sql((db) =>
        db.run(
          `INSERT INTO task (id, task_id, created_at, meta, committed_meta, responded_meta, sample_counts) VALUES (1, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET meta = excluded.meta, committed_meta = excluded.committed_meta, responded_meta = excluded.responded_meta, sample_counts = excluded.sample_counts`,
          ...row,
        ),
      );
    } else {
      u.tx.sql((db) => db.run('UPDATE task SET sample_counts = ?', counts));
    }
  }

  /** The whole state as plain objects (reads every sample: for exports and checks, not for a running task). */
  snapshot(): { meta: JsonMap } & Record<TaskMapName, JsonMap> {
    const map = (view: JsonMap) => Object.fromEntries(Object.keys(view).map((key) => [key, view[key]]));
    return {
      meta: this.meta,
      committed_meta: { ...this.metaMaps.committed_meta },
      responded_meta: { ...this.metaMaps.responded_meta },
      committed_samples: map(this.committed_samples),
      succeeded_samples: map(this.succeeded_samples),
      failed_samples: map(this.failed_samples),
    };
  }

  /** Counts of task-manager.md 3.2. */
  summary(): SampleCounts {
    return this.samples.counts;
  }

  /**
   * The base invariants (task-manager.md 3.1); throws a corrupted-state error naming the database. The first
   * validation and every clean one check the whole state; later ones only the keys changed since the last save, so
   * that validating after each batch costs time proportional to the batch, not to the task.
   */
  validate(clean: boolean): void {
    const problem = this.samples.firstProblem(clean);
    if (problem !== undefined) throw new CorruptedStateError(this.db.file, `${this.db.file}: ${problem}`);
  }
}

