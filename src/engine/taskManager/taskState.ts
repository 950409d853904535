import path from 'node:path';
import { z } from 'zod';
import { CorruptedStateError } from '../../shared/errors';
import { pathExists } from '../store/fsUtil';
import { readJsonFile, readJsonlFile } from '../store/load';
import type { UnitContext } from '../store/unit';

/** The five maps of the task state that the task edits (task-manager.md 3.1). */
export const taskMapNames = ['committed_meta', 'committed_samples', 'responded_meta', 'failed_samples', 'succeeded_samples'] as const;
export type TaskMapName = (typeof taskMapNames)[number];
export type JsonMap = Record<string, unknown>;

/** A JSON object, checked without copying its entries (the sample maps can hold millions). */
const jsonMap = z.custom<JsonMap>((value) => value !== null && typeof value === 'object' && !Array.isArray(value), { message: 'expected an object' });
const snapshotSchema = z.strictObject({
  version: z.literal(1),
  meta: jsonMap,
  committed_meta: jsonMap,
  committed_samples: jsonMap,
  responded_meta: jsonMap,
  failed_samples: jsonMap,
  succeeded_samples: jsonMap,
});
const changeSchema = z.union([
  z.strictObject({ m: z.enum(taskMapNames), k: z.string(), v: z.unknown() }),
  z.strictObject({ m: z.enum(taskMapNames), k: z.string(), d: z.literal(true) }),
]);

/**
 * The task state `T`: fixed `meta` and the five maps. Saving writes only what changed: changed map entries are
 * appended to `P_task.changes.jsonl`, and the snapshot `P_task.json` is rewritten when the change log grows as
 * large as the state. Assigning or deleting a map entry while a unit of work is active registers its undo on that
 * unit, so a failed unit restores the maps exactly. Values inside entries must be replaced, not mutated in place
 * (or call `touch` after an in-place change, having registered its undo yourself).
 */
export class TaskState {
  meta: JsonMap;
  readonly committed_meta: JsonMap;
  readonly committed_samples: JsonMap;
  readonly responded_meta: JsonMap;
  readonly failed_samples: JsonMap;
  readonly succeeded_samples: JsonMap;
  /** The unit whose revert stack receives undos of map changes; set by the task manager around task hooks. */
  activeUnit: UnitContext | undefined;

  private readonly raw: Record<TaskMapName, JsonMap>;
  private readonly dirty = new Map<TaskMapName, Set<string>>();
  private metaDirty = false;
  private logLines: number;
  /** Entries in all five maps, kept up to date so that a save need not count them. */
  private entryCount: number;
  /** Whether the whole state was validated once; later non-clean validations check only the changed keys. */
  private validatedOnce = false;

  private constructor(snapshot: z.infer<typeof snapshotSchema>, logLines: number) {
    this.meta = snapshot.meta;
    this.logLines = logLines;
    this.raw = {
      committed_meta: snapshot.committed_meta,
      committed_samples: snapshot.committed_samples,
      responded_meta: snapshot.responded_meta,
      failed_samples: snapshot.failed_samples,
      succeeded_samples: snapshot.succeeded_samples,
    };
    this.entryCount = taskMapNames.reduce((sum, name) => sum + Object.keys(this.raw[name]).length, 0);
    this.committed_meta = this.track('committed_meta');
    this.committed_samples = this.track('committed_samples');
    this.responded_meta = this.track('responded_meta');
    this.failed_samples = this.track('failed_samples');
    this.succeeded_samples = this.track('succeeded_samples');
  }

  static snapshotPath(dir: string, prefix: string): string {
    return path.join(dir, `${prefix}_task.json`);
  }
  static changesPath(dir: string, prefix: string): string {
    return path.join(dir, `${prefix}_task.changes.jsonl`);
  }

  /** A new task state with the given meta (saved by the caller with `save`). */
  static create(meta: JsonMap): TaskState {
    const state = new TaskState(
      { version: 1, meta: structuredClone(meta), committed_meta: {}, committed_samples: {}, responded_meta: {}, failed_samples: {}, succeeded_samples: {} },
      0,
    );
    state.metaDirty = true;
    return state;
  }

  /** Loads the snapshot and replays the change log; undefined if the task has no state yet. */
  static async load(dir: string, prefix: string): Promise<TaskState | undefined> {
    const file = TaskState.snapshotPath(dir, prefix);
    const snapshot = await readJsonFile(file, snapshotSchema);
    if (snapshot === undefined) return undefined;
    const changesFile = TaskState.changesPath(dir, prefix);
    const changes = (await pathExists(changesFile)) ? await readJsonlFile(changesFile, changeSchema) : [];
    for (const change of changes) {
      if ('d' in change) delete snapshot[change.m][change.k];
      else snapshot[change.m][change.k] = change.v;
    }
    return new TaskState(snapshot, changes.length);
  }

  private track(name: TaskMapName): JsonMap {
    const target = this.raw[name];
    const record = (key: string, existed: boolean, old: unknown, exists: boolean) => {
      this.markDirty(name, key);
      this.entryCount += Number(exists) - Number(existed);
      const unit = this.activeUnit;
      if (unit === undefined) return;
      unit.rs.onRevert(() => {
        if (existed) target[key] = old;
        else delete target[key];
        this.entryCount += Number(existed) - Number(exists);
      });
    };
    return new Proxy(target, {
      set: (obj, key, value) => {
        if (typeof key !== 'string') return Reflect.set(obj, key, value);
        record(key, Object.hasOwn(obj, key), obj[key], true);
        obj[key] = value;
        return true;
      },
      deleteProperty: (obj, key) => {
        if (typeof key !== 'string' || !Object.hasOwn(obj, key)) return true;
        record(key, true, obj[key], false);
        delete obj[key];
        return true;
      },
    });
  }

  private markDirty(name: TaskMapName, key: string): void {
    let keys = this.dirty.get(name);
    if (keys === undefined) this.dirty.set(name, (keys = new Set()));
    keys.add(key);
  }

  /** Records that an entry was changed in place so the next save writes it. */
  touch(name: TaskMapName, key: string): void {
    this.markDirty(name, key);
  }

  /** Replaces the whole meta (reinit_meta, wipe_task). */
  replaceMeta(meta: JsonMap): void {
    this.meta = structuredClone(meta);
    this.metaDirty = true;
  }

  /** Replaces every map with a fresh empty state (wipe_task). */
  reset(meta: JsonMap): void {
    this.replaceMeta(meta);
    for (const name of taskMapNames) {
      for (const key of Object.keys(this.raw[name])) delete this.raw[name][key];
    }
    this.dirty.clear();
    this.entryCount = 0;
  }

  /** Stages the changes since the last save on the unit's transaction (snapshot rewrite when due). */
  save(u: UnitContext, dir: string, prefix: string): void {
    const changes: string[] = [];
    for (const [name, keys] of this.dirty) {
      for (const key of keys) {
        const map = this.raw[name];
        changes.push(JSON.stringify(Object.hasOwn(map, key) ? { m: name, k: key, v: map[key] } : { m: name, k: key, d: true }));
      }
    }
    const dirty = new Map([...this.dirty].map(([k, v]) => [k, new Set(v)]));
    const metaDirty = this.metaDirty;
    const logLines = this.logLines;
    u.rs.onRevert(() => {
      for (const [name, keys] of dirty) for (const key of keys) this.markDirty(name, key);
      this.metaDirty = metaDirty;
      this.logLines = logLines;
    });
    this.dirty.clear();
    this.metaDirty = false;
    if (metaDirty || this.logLines + changes.length > Math.max(1000, this.entryCount)) {
      u.tx.writeJson(TaskState.snapshotPath(dir, prefix), this.snapshot(), { pretty: true });
      u.tx.writeText(TaskState.changesPath(dir, prefix), '');
      this.logLines = 0;
    } else if (changes.length > 0) {
      u.tx.appendText(TaskState.changesPath(dir, prefix), `${changes.join('\n')}\n`);
      this.logLines += changes.length;
    }
  }

  snapshot(): z.infer<typeof snapshotSchema> {
    return { version: 1, meta: this.meta, ...this.raw };
  }

  /** Counts of task-manager.md 3.2. */
  summary(): { committed: number; pending: number; responded: number; succeeded: number; failed: number; mixed: number } {
    let pending = 0;
    let succeeded = 0;
    let failed = 0;
    let mixed = 0;
    for (const key of Object.keys(this.raw.committed_samples)) {
      const s = Object.hasOwn(this.raw.succeeded_samples, key);
      const f = Object.hasOwn(this.raw.failed_samples, key);
      if (s && f) mixed += 1;
      else if (s) succeeded += 1;
      else if (f) failed += 1;
      else pending += 1;
    }
    const committed = Object.keys(this.raw.committed_samples).length;
    return { committed, pending, responded: committed - pending, succeeded, failed, mixed };
  }

  /**
   * The base invariants (task-manager.md 3.1); throws a corrupted-state error naming the file. The first validation
   * and every clean one check the whole state; later ones only the keys changed since the last save, so that
   * validating after each batch costs time proportional to the batch, not to the task.
   */
  validate(clean: boolean, file: string): void {
    const full = clean || !this.validatedOnce;
    const committed = this.raw.committed_samples;
    const keysToCheck = (name: TaskMapName) => (full ? Object.keys(this.raw[name]) : [...(this.dirty.get(name) ?? [])]);
    for (const name of ['failed_samples', 'succeeded_samples'] as const) {
      for (const key of keysToCheck(name)) {
        if (Object.hasOwn(this.raw[name], key) && !Object.hasOwn(committed, key)) {
          throw new CorruptedStateError(file, `${file}: sample '${key}' is in ${name} but not in committed_samples`);
        }
      }
    }
    for (const key of full ? [] : keysToCheck('committed_samples')) {
      if (!Object.hasOwn(committed, key) && (Object.hasOwn(this.raw.failed_samples, key) || Object.hasOwn(this.raw.succeeded_samples, key))) {
        throw new CorruptedStateError(file, `${file}: sample '${key}' has responses but was removed from committed_samples`);
      }
    }
    this.validatedOnce = true;
    if (clean) {
      for (const key of Object.keys(committed)) {
        if (!Object.hasOwn(this.raw.failed_samples, key) && !Object.hasOwn(this.raw.succeeded_samples, key)) {
          throw new CorruptedStateError(file, `${file}: sample '${key}' is committed but has no response although no request is outstanding`);
        }
      }
    }
  }
}
