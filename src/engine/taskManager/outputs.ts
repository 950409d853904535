import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CorruptedStateError } from '../../shared/errors';
import type { UnitContext } from '../store/unit';

/**
 * A task's output (task-manager.md 4). Every write is staged on the unit's transaction, so output, task state and
 * requester state are saved together or not at all. Saving is always explicit.
 */
export interface TaskOutput {
  /** True once the output was created, reset or saved during this session. */
  readonly written: boolean;
  /** Loads the output, or creates it (staged on `u`) when it does not exist yet. */
  open(u: UnitContext): Promise<void>;
  /** Brings the output back to its just-created state. */
  reset(u: UnitContext): Promise<void>;
  save(u: UnitContext): Promise<void>;
  validate(): void;
  /** A short description for log lines, e.g. `1140 chars`. */
  status(): string;
  /** The output's files, for telling the user where the results are. */
  files(): string[];
  /** `Output/*` metric values (engine.md 7.5); outputs without them log none. */
  metricValues?(): Record<string, number>;
}

/** A single JSON document `<base>.json`, rewritten whole on every save. */
export class JsonOutputFile<T extends object> implements TaskOutput {
  data: T;
  written = false;
  readonly file: string;

  constructor(
    pathBase: string,
    private readonly make: () => T,
    private readonly hooks: { parse?(value: unknown, file: string): T; serialize?(data: T): string; status?(data: T): string } = {},
  ) {
    this.file = `${pathBase}.json`;
    this.data = make();
  }

  async open(u: UnitContext): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.reset(u);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CorruptedStateError(this.file, `${this.file} is not valid JSON (${(error as Error).message})`);
    }
    this.data = this.hooks.parse ? this.hooks.parse(value, this.file) : (value as T);
  }

  async reset(u: UnitContext): Promise<void> {
    const previous = this.data;
    u.rs.onRevert(() => {
      this.data = previous;
    });
    this.data = this.make();
    await this.save(u);
  }

  async save(u: UnitContext): Promise<void> {
    if (this.hooks.serialize) u.tx.writeText(this.file, this.hooks.serialize(this.data));
    else u.tx.writeJson(this.file, this.data, { pretty: true });
    this.written = true;
  }

  validate(): void {
    if (this.data === null || typeof this.data !== 'object') throw new CorruptedStateError(this.file, `${this.file}: the output is not an object`);
  }

  status(): string {
    return this.hooks.status ? this.hooks.status(this.data) : `${Object.keys(this.data).length} fields`;
  }

  files(): string[] {
    return [this.file];
  }

  metricValues(): Record<string, number> {
    return { 'Output/num_data_fields': Object.keys(this.data).length };
  }
}

/**
 * An append-only JSON Lines output: `<base>.jsonl`, or `<base>_partNNNofMMM.jsonl` chunks once `maxEntries` or
 * `maxSize` (bytes) per chunk is exceeded. `pending` holds entries to append at the next save.
 */
export class JsonlOutputFile<T> implements TaskOutput {
  pending: T[] = [];
  paths: string[] = [];
  lastEntries = 0;
  lastSize = 0;
  written = false;
  /** What the current unit staged for chunk files, which the disk does not show until the unit commits. */
  private staged: { unit: UnitContext; known: Map<string, string>; appended: Map<string, string> } | undefined;

  constructor(
    private readonly pathBase: string,
    private readonly limits: { maxEntries?: number; maxSize?: number } = {},
  ) {}

  private stagedIn(u: UnitContext): { known: Map<string, string>; appended: Map<string, string> } {
    if (this.staged?.unit !== u) {
      const staged = { unit: u, known: new Map<string, string>(), appended: new Map<string, string>() };
      this.staged = staged;
      u.rs.always(() => {
        if (this.staged === staged) this.staged = undefined;
      });
    }
    return this.staged;
  }

  /** A chunk's content as the unit will commit it. */
  private async contentIn(u: UnitContext, file: string): Promise<string> {
    const { known, appended } = this.stagedIn(u);
    return known.get(file) ?? (await readFile(file, 'utf8')) + (appended.get(file) ?? '');
  }

  private partPath(part: number, total: number): string {
    const pad = (n: number) => String(n).padStart(3, '0');
    return `${this.pathBase}_part${pad(part)}of${pad(total)}.jsonl`;
  }

  /** Finds the chunk files (task-manager.md 4.3 discovery) or returns undefined when there are none. */
  private async discover(): Promise<string[] | undefined> {
    const dir = path.dirname(this.pathBase);
    const base = path.basename(this.pathBase);
    const found: { part: number; total: number; file: string }[] = [];
    for (const name of await readdir(dir)) {
      if (!name.startsWith(base) || !name.endsWith('.jsonl')) continue;
      const suffix = name.slice(base.length);
      if (suffix === '.jsonl') found.push({ part: 1, total: 1, file: path.join(dir, name) });
      else {
        const match = /^_part([0-9]+)of([0-9]+)\.jsonl$/.exec(suffix);
        if (match) found.push({ part: Number(match[1]), total: Number(match[2]), file: path.join(dir, name) });
      }
    }
    if (found.length === 0) return undefined;
    const totals = new Set(found.map((f) => f.total));
    const total = found[0]?.total ?? 0;
    const parts = found.map((f) => f.part).sort((a, b) => a - b);
    if (totals.size > 1 || total < 1 || parts.length !== total || parts.some((p, i) => p !== i + 1)) {
      throw new CorruptedStateError(this.pathBase, `The output chunks of ${this.pathBase} are inconsistent: ${found.map((f) => path.basename(f.file)).sort().join(', ')}`);
    }
    return found.sort((a, b) => a.part - b.part).map((f) => f.file);
  }

  async open(u: UnitContext): Promise<void> {
    const paths = await this.discover();
    if (paths === undefined) {
      await this.reset(u);
      return;
    }
    this.paths = paths;
    const last = paths[paths.length - 1] as string;
    const content = await readFile(last, 'utf8');
    if (content.length > 0 && !content.endsWith('\n')) throw new CorruptedStateError(last, `${last} ends with an incomplete line`);
    this.lastEntries = content.length === 0 ? 0 : content.split('\n').length - 1;
    this.lastSize = (await stat(last)).size;
  }

  async reset(u: UnitContext): Promise<void> {
    this.guard(u);
    const { known, appended } = this.stagedIn(u);
    for (const file of new Set([...((await this.discover()) ?? []), ...this.paths])) {
      u.tx.remove(file);
      known.delete(file);
      appended.delete(file);
    }
    this.paths = [`${this.pathBase}.jsonl`];
    this.lastEntries = 0;
    this.lastSize = 0;
    this.pending = [];
    u.tx.writeText(this.paths[0] as string, '');
    known.set(this.paths[0] as string, '');
    this.written = true;
  }

  private guard(u: UnitContext): void {
    const snapshot = { paths: this.paths.slice(), lastEntries: this.lastEntries, lastSize: this.lastSize, pending: this.pending.slice() };
    u.rs.onRevert(() => {
      this.paths = snapshot.paths;
      this.lastEntries = snapshot.lastEntries;
      this.lastSize = snapshot.lastSize;
      this.pending = snapshot.pending;
    });
  }

  /** Appends the pending entries, rolling over into new chunks and renaming chunks when their total changes. */
  async save(u: UnitContext): Promise<void> {
    this.guard(u);
    const maxEntries = this.limits.maxEntries ?? 0;
    const maxSize = this.limits.maxSize ?? 0;
    const { known, appended: appendedBefore } = this.stagedIn(u);
    const appended = new Map<string, string[]>();
    for (const entry of this.pending) {
      const line = `${JSON.stringify(entry)}\n`;
      const size = Buffer.byteLength(line, 'utf8');
      if (maxSize > 0 && size > maxSize) throw new RangeError(`An output entry of ${size} bytes can never fit the chunk size limit of ${maxSize} bytes`);
      if ((maxEntries > 0 && this.lastEntries + 1 > maxEntries) || (maxSize > 0 && this.lastSize + size > maxSize)) {
        const next = this.partPath(this.paths.length + 1, this.paths.length + 1);
        this.paths.push(next);
        known.set(next, '');
        this.lastEntries = 0;
        this.lastSize = 0;
      }
      const target = this.paths[this.paths.length - 1] as string;
      let lines = appended.get(target);
      if (lines === undefined) appended.set(target, (lines = []));
      lines.push(line);
      this.lastEntries += 1;
      this.lastSize += size;
    }
    const total = this.paths.length;
    const renamed = this.paths.map((file, i) => (total > 1 ? this.partPath(i + 1, total) : file));
    for (let i = 0; i < this.paths.length; i += 1) {
      const from = this.paths[i] as string;
      const to = renamed[i] as string;
      const lines = (appended.get(from) ?? []).join('');
      if (from === to) {
        if (lines.length === 0) continue;
        u.tx.appendText(from, lines);
        const content = known.get(from);
        if (content !== undefined) known.set(from, content + lines);
        else appendedBefore.set(from, (appendedBefore.get(from) ?? '') + lines);
        continue;
      }
      const content = (await this.contentIn(u, from)) + lines;
      u.tx.writeText(to, content);
      u.tx.remove(from);
      known.delete(from);
      appendedBefore.delete(from);
      known.set(to, content);
    }
    this.paths = renamed;
    this.pending = [];
    this.written = true;
  }

  validate(): void {
    if (this.paths.length === 0 || this.lastEntries < 0 || this.lastSize < 0) throw new CorruptedStateError(this.pathBase, `${this.pathBase}: the output chunk bookkeeping is invalid`);
  }

  status(): string {
    return `${this.paths.length} file(s), ${this.lastEntries} entries in the last`;
  }

  files(): string[] {
    return this.paths.slice();
  }

  /** The chunk counts and sizes; the `max_*` values are the configured limits per chunk (0 = none). */
  metricValues(): Record<string, number> {
    return {
      'Output/num_files': this.paths.length,
      'Output/max_file_entries': this.limits.maxEntries ?? 0,
      'Output/last_file_entries': this.lastEntries,
      'Output/max_file_size_mb': (this.limits.maxSize ?? 0) / 1048576,
      'Output/last_file_size_mb': this.lastSize / 1048576,
    };
  }

  /** Every saved entry of every chunk, in order. */
  async readAll(): Promise<T[]> {
    const out: T[] = [];
    for (const file of this.paths) {
      const text = await readFile(file, 'utf8');
      let lineNo = 0;
      for (const line of text.split('\n')) {
        lineNo += 1;
        if (line === '') continue;
        try {
          out.push(JSON.parse(line) as T);
        } catch (error) {
          throw new CorruptedStateError(file, `${file}: line ${lineNo} is not valid JSON (${(error as Error).message})`);
        }
      }
    }
    return out;
  }

  /** Re-creates the output from its current entries: `keep` returns the entry to write, or undefined to drop it. */
  async rewrite(u: UnitContext, keep: (entry: T) => T | undefined): Promise<void> {
    const entries = await this.readAll();
    await this.reset(u);
    for (const entry of entries) {
      const kept = keep(entry);
      if (kept !== undefined) this.pending.push(kept);
    }
    await this.save(u);
  }
}
