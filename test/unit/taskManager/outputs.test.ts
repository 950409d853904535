import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../src/shared/errors';
import { FileStore } from '../../../src/engine/store/fileStore';
import { InterruptGate } from '../../../src/engine/store/interrupts';
import { runUnit, type UnitContext } from '../../../src/engine/store/unit';
import { JsonlOutputFile, JsonOutputFile } from '../../../src/engine/taskManager/outputs';
import { listDir, PlannedFailure, useTempDir } from '../../support/store/tempDir';

interface Entry {
  n: number;
  text?: string;
}

function contents(dir: string): Record<string, string> {
  return Object.fromEntries(listDir(dir).filter((name) => name.startsWith('out')).map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')]));
}

function lineCounts(dir: string): Record<string, number> {
  return Object.fromEntries(Object.entries(contents(dir)).map(([name, text]) => [name, text.split('\n').filter(Boolean).length]));
}

describe('Task outputs', () => {
  const tmp = useTempDir('outputs');
  let store: FileStore;
  const gate = new InterruptGate();
  beforeEach(async () => {
    store = await FileStore.open(tmp.dir, { journalName: 'p.journal' });
  });
  const unit = <T>(body: (u: UnitContext) => Promise<T>) => runUnit(store, gate, body);
  const base = () => path.join(tmp.dir, 'out');
  const entries = (from: number, to: number): Entry[] => Array.from({ length: to - from }, (_, i) => ({ n: from + i }));

  async function opened(limits: { maxEntries?: number; maxSize?: number } = {}): Promise<JsonlOutputFile<Entry>> {
    const out = new JsonlOutputFile<Entry>(base(), limits);
    await unit((u) => out.open(u));
    return out;
  }

  async function saveEntries(out: JsonlOutputFile<Entry>, list: Entry[]): Promise<void> {
    out.pending.push(...list);
    await unit((u) => out.save(u));
  }

  describe('JsonlOutputFile', () => {
    it('creates one empty file on first open and counts as written', async () => {
      const out = await opened();
      assert.deepEqual(contents(tmp.dir), { 'out.jsonl': '' });
      assert.equal(out.written, true);
    });

    it('rolls 5 entries over into 3 chunks of at most 2 and reads them back in order', async () => {
      const out = await opened({ maxEntries: 2 });
      await saveEntries(out, entries(0, 5));
      assert.deepEqual(lineCounts(tmp.dir), { 'out_part001of003.jsonl': 2, 'out_part002of003.jsonl': 2, 'out_part003of003.jsonl': 1 });
      const reopened = await opened({ maxEntries: 2 });
      assert.equal(reopened.lastEntries, 1);
      assert.deepEqual(await reopened.readAll(), entries(0, 5));
    });

    it('renames the single file when a later save rolls over, then every chunk on the next rollover', async () => {
      const out = await opened({ maxEntries: 2 });
      await saveEntries(out, entries(0, 2));
      assert.deepEqual(lineCounts(tmp.dir), { 'out.jsonl': 2 });
      await saveEntries(out, entries(2, 3));
      assert.deepEqual(lineCounts(tmp.dir), { 'out_part001of002.jsonl': 2, 'out_part002of002.jsonl': 1 });
      await saveEntries(out, entries(3, 5));
      assert.deepEqual(lineCounts(tmp.dir), { 'out_part001of003.jsonl': 2, 'out_part002of003.jsonl': 2, 'out_part003of003.jsonl': 1 });
      assert.deepEqual(await out.readAll(), entries(0, 5));
    });

    it('rolls over by byte size', async () => {
      const out = await opened({ maxSize: 30 });
      await saveEntries(out, entries(0, 4).map((e) => ({ ...e, text: 'abc' })));
      const sizes = Object.values(contents(tmp.dir)).map((text) => Buffer.byteLength(text));
      assert.ok(sizes.length > 1 && sizes.every((size) => size <= 30), `chunk sizes ${sizes.join(', ')}`);
      assert.deepEqual((await out.readAll()).map((e) => e.n), [0, 1, 2, 3]);
    });

    it('throws for an entry larger than max_size and leaves files and memory as they were', async () => {
      const out = await opened({ maxSize: 40 });
      await saveEntries(out, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      const before = contents(tmp.dir);
      const memory = { paths: [...out.paths], lastEntries: out.lastEntries, lastSize: out.lastSize };
      out.pending.push({ n: 4 }, { n: 5, text: 'x'.repeat(100) });
      await assert.rejects(unit((u) => out.save(u)), /can never fit/);
      assert.deepEqual(contents(tmp.dir), before);
      assert.deepEqual({ paths: out.paths, lastEntries: out.lastEntries, lastSize: out.lastSize }, memory);
      assert.deepEqual(out.pending, [{ n: 4 }, { n: 5, text: 'x'.repeat(100) }]);
    });

    it('restores chunk files and memory when the unit of a rollover fails', async () => {
      const out = await opened({ maxEntries: 2 });
      await saveEntries(out, entries(0, 3));
      const before = contents(tmp.dir);
      const paths = [...out.paths];
      out.pending.push(...entries(3, 6));
      await assert.rejects(
        unit(async (u) => {
          await out.save(u);
          throw new PlannedFailure();
        }),
        PlannedFailure,
      );
      assert.deepEqual(contents(tmp.dir), before);
      assert.deepEqual(out.paths, paths);
      assert.deepEqual(out.pending, entries(3, 6));
      await unit((u) => out.save(u));
      assert.deepEqual(await out.readAll(), entries(0, 6));
    });

    it('appends and rolls over twice within one unit of work', async () => {
      const out = await opened({ maxEntries: 2 });
      await saveEntries(out, entries(0, 1));
      await unit(async (u) => {
        out.pending.push(...entries(1, 2));
        await out.save(u);
        out.pending.push(...entries(2, 3));
        await out.save(u);
        out.pending.push(...entries(3, 5));
        await out.save(u);
      });
      assert.deepEqual(lineCounts(tmp.dir), { 'out_part001of003.jsonl': 2, 'out_part002of003.jsonl': 2, 'out_part003of003.jsonl': 1 });
      assert.deepEqual(await out.readAll(), entries(0, 5));
    });

    for (const [label, names] of [
      ['a lone part of two', ['out_part001of002.jsonl']],
      ['parts with different totals', ['out_part001of002.jsonl', 'out_part002of003.jsonl', 'out_part003of003.jsonl']],
      ['a plain file beside a part', ['out.jsonl', 'out_part001of001.jsonl']],
    ] as const) {
      it(`refuses to open ${label}`, async () => {
        for (const name of names) fs.writeFileSync(path.join(tmp.dir, name), '{"n":1}\n');
        await assert.rejects(opened(), (error: unknown) => EngineError.is(error, 'corruptedState') && /inconsistent/.test(error.message));
      });
    }

    it('rewrites keeping every second entry across 3 chunks', async () => {
      const out = await opened({ maxEntries: 2 });
      await saveEntries(out, entries(0, 6));
      await unit((u) => out.rewrite(u, (e) => (e.n % 2 === 0 ? e : undefined)));
      assert.deepEqual(lineCounts(tmp.dir), { 'out_part001of002.jsonl': 2, 'out_part002of002.jsonl': 1 });
      assert.deepEqual((await (await opened({ maxEntries: 2 })).readAll()).map((e) => e.n), [0, 2, 4]);
    });

    it('restores every original chunk byte for byte when the rewrite filter throws', async () => {
      const out = await opened({ maxEntries: 2 });
      await saveEntries(out, entries(0, 6));
      const before = contents(tmp.dir);
      await assert.rejects(
        unit((u) =>
          out.rewrite(u, (e) => {
            if (e.n === 3) throw new PlannedFailure();
            return e;
          }),
        ),
        PlannedFailure,
      );
      assert.deepEqual(contents(tmp.dir), before);
      assert.deepEqual(await out.readAll(), entries(0, 6));
    });
  });

  describe('JsonOutputFile', () => {
    it('creates the default document, saves and reloads it', async () => {
      const out = new JsonOutputFile<{ items: Record<string, number> }>(base(), () => ({ items: {} }));
      await unit((u) => out.open(u));
      assert.deepEqual(JSON.parse(fs.readFileSync(`${base()}.json`, 'utf8')), { items: {} });
      out.data.items.ü = 1;
      await unit((u) => out.save(u));
      const again = new JsonOutputFile<{ items: Record<string, number> }>(base(), () => ({ items: {} }));
      await unit((u) => again.open(u));
      assert.deepEqual(again.data, { items: { ü: 1 } });
      assert.equal(again.written, false);
    });

    it('names the file when it is not valid JSON', async () => {
      fs.writeFileSync(`${base()}.json`, '{"items": ');
      const out = new JsonOutputFile<{ items: object }>(base(), () => ({ items: {} }));
      await assert.rejects(unit((u) => out.open(u)), (error: unknown) => EngineError.is(error, 'corruptedState') && error.message.includes('out.json'));
    });
  });
});
