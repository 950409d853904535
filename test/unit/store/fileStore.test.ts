import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CorruptedStateError, EngineError } from '../../../src/shared/errors';
import { MemoryLogger } from '../../../src/engine/log';
import { FileStore, writeFileAtomic } from '../../../src/engine/store/fileStore';
import { listDir, useTempDir } from '../../support/store/tempDir';

describe('FileStore', () => {
  const tmp = useTempDir('file-store');
  const file = (name: string) => path.join(tmp.dir, name);
  const read = (name: string) => fs.readFileSync(file(name), 'utf8');
  const open = (logger = new MemoryLogger(), dryrun = false) => FileStore.open(tmp.dir, { journalName: 'P.journal', logger, dryrun });

  it('commits replaced JSON, JSONL and text files, appends and removals together', async () => {
    fs.writeFileSync(file('queue.jsonl'), '{"id":1}\n');
    fs.writeFileSync(file('gone.txt'), 'x');
    const store = await open();
    const tx = store.transaction();
    tx.writeJson('state.json', { a: 1, b: [true] }, { pretty: true });
    tx.writeJsonl(file('batch.jsonl'), [{ id: 1 }, { id: 2 }]);
    tx.appendJsonl('queue.jsonl', [{ id: 2 }, { id: 'é' }]);
    tx.remove('gone.txt');
    tx.remove('never-existed.txt');
    assert.equal(tx.isEmpty, false);
    assert.equal(fs.existsSync(file('state.json')), false, 'nothing is written before commit');
    await tx.commit();
    assert.equal(read('state.json'), '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
    assert.equal(read('batch.jsonl'), '{"id":1}\n{"id":2}\n');
    assert.equal(read('queue.jsonl'), '{"id":1}\n{"id":2}\n{"id":"é"}\n');
    assert.deepEqual(listDir(tmp.dir), ['batch.jsonl', 'queue.jsonl', 'state.json']);
  });

  it('composes later changes to the same file within one transaction', async () => {
    fs.writeFileSync(file('a.txt'), 'A0');
    fs.writeFileSync(file('b.txt'), 'B0');
    fs.writeFileSync(file('c.txt'), 'C0');
    const store = await open();
    const tx = store.transaction();
    tx.appendText('a.txt', '+1');
    tx.appendText('a.txt', '+2');
    tx.writeText('b.txt', 'B1');
    tx.appendText('b.txt', '+1');
    tx.remove('c.txt');
    tx.appendText('c.txt', 'C1');
    tx.writeText('d.txt', 'D0');
    tx.remove('d.txt');
    await tx.commit();
    assert.equal(read('a.txt'), 'A0+1+2');
    assert.equal(read('b.txt'), 'B1+1');
    assert.equal(read('c.txt'), 'C1');
    assert.equal(fs.existsSync(file('d.txt')), false);
  });

  it('keeps exactly one previous generation of a replaced file as <name>.bak', async () => {
    const store = await open();
    for (const generation of [1, 2, 3]) {
      const tx = store.transaction();
      tx.writeJson('state.json', { generation });
      tx.appendText('log.txt', `${generation}\n`);
      await tx.commit();
    }
    assert.deepEqual(JSON.parse(read('state.json')), { generation: 3 });
    assert.deepEqual(JSON.parse(read('state.json.bak')), { generation: 2 });
    assert.equal(read('log.txt'), '1\n2\n3\n');
    assert.deepEqual(listDir(tmp.dir), ['log.txt', 'state.json', 'state.json.bak']);
  });

  it('writes nothing in dry run and logs each file it did not save', async () => {
    const logger = new MemoryLogger();
    const store = await open(logger, true);
    const tx = store.transaction();
    tx.writeJson('state.json', {});
    tx.appendText('queue.jsonl', 'x\n');
    await tx.commit();
    assert.deepEqual(listDir(tmp.dir), []);
    assert.match(logger.text(), /\[DRYRUN\] Did not save .*state\.json/);
    assert.match(logger.text(), /\[DRYRUN\] Did not save .*queue\.jsonl/);
  });

  it('refuses to reuse a committed or discarded transaction', async () => {
    const store = await open();
    const tx = store.transaction();
    tx.writeText('a.txt', 'a');
    await tx.commit();
    assert.throws(() => tx.writeText('a.txt', 'b'), /already committed or discarded/);
    const dropped = store.transaction();
    dropped.writeText('b.txt', 'b');
    await dropped.discard();
    await assert.rejects(dropped.commit(), /already committed or discarded/);
    assert.deepEqual(listDir(tmp.dir), ['a.txt']);
  });

  it('finishes on open a commit that was interrupted after its journal was written', async () => {
    fs.writeFileSync(file('state.json'), '{"generation":1}\n');
    fs.writeFileSync(file('queue.jsonl'), 'line 1\n');
    // What a crash right after the journal rename leaves: the new content in an fsynced temp, the append half
    // done (a torn tail past the committed length), and the journal.
    fs.writeFileSync(file('state.json.tmp.0123456789ab'), '{"generation":2}\n');
    fs.writeFileSync(file('queue.jsonl'), 'line 1\nline 2 tor');
    fs.writeFileSync(file('old.txt'), 'to be removed');
    const journal = {
      version: 1,
      ops: [
        { op: 'replace', file: 'state.json', temp: 'state.json.tmp.0123456789ab' },
        { op: 'append', file: 'queue.jsonl', offset: 7, data: 'line 2\n' },
        { op: 'remove', file: 'old.txt' },
      ],
    };
    fs.writeFileSync(file('P.journal'), JSON.stringify(journal));
    const logger = new MemoryLogger();
    await open(logger);
    assert.equal(read('state.json'), '{"generation":2}\n');
    assert.equal(read('state.json.bak'), '{"generation":1}\n');
    assert.equal(read('queue.jsonl'), 'line 1\nline 2\n');
    assert.deepEqual(listDir(tmp.dir), ['queue.jsonl', 'state.json', 'state.json.bak']);
    assert.match(logger.text(), /Completed a commit that was interrupted.*state\.json, queue\.jsonl, old\.txt/);

    // Replaying is idempotent: a second crash during recovery and another open change nothing.
    fs.writeFileSync(file('P.journal'), JSON.stringify(journal));
    await open();
    assert.equal(read('state.json'), '{"generation":2}\n');
    assert.equal(read('queue.jsonl'), 'line 1\nline 2\n');
  });

  it('removes on open the temps of commits that never reached their journal, and keeps other files', async () => {
    fs.writeFileSync(file('state.json'), '{"generation":1}\n');
    fs.writeFileSync(file('state.json.tmp.0123456789ab'), '{"generation":2}\n');
    fs.writeFileSync(file('P.journal.tmp.ba9876543210'), '{"version":1,"ops":[');
    fs.writeFileSync(file('notes.tmp.txt'), 'user file');
    const logger = new MemoryLogger();
    await open(logger);
    assert.deepEqual(listDir(tmp.dir), ['notes.tmp.txt', 'state.json']);
    assert.equal(read('state.json'), '{"generation":1}\n');
    assert.match(logger.text(), /Removed 2 temporary file\(s\)/);
  });

  it('reports an unreadable journal as corrupted state naming the journal', async () => {
    fs.writeFileSync(file('P.journal'), '{"version":1,"ops":[{"op":"explode"}]}');
    await assert.rejects(open(), (error: unknown) => error instanceof CorruptedStateError && /P\.journal/.test(error.message));
  });

  it('refuses further commits after a commit that could not be completed, until reopened', async () => {
    fs.mkdirSync(file('blocked'));
    fs.writeFileSync(path.join(file('blocked'), 'inside.txt'), 'a directory stands where a file is to be written');
    const store = await open();
    const tx = store.transaction();
    tx.writeText('a.txt', 'a');
    tx.writeText('blocked', 'b');
    await assert.rejects(tx.commit(), (error: unknown) => EngineError.is(error, 'corruptedState'));
    const next = store.transaction();
    next.writeText('c.txt', 'c');
    await assert.rejects(next.commit(), /reopen the task/);
    fs.rmSync(file('blocked'), { recursive: true });
    await open();
    assert.equal(read('a.txt'), 'a');
    assert.equal(read('blocked'), 'b');
    assert.deepEqual(listDir(tmp.dir), ['a.txt', 'blocked']);
  });

  it('writes a single file atomically outside a transaction, keeping the previous version', async () => {
    await writeFileAtomic(file('x.json'), '1');
    await writeFileAtomic(file('x.json'), '2');
    assert.equal(read('x.json'), '2');
    assert.equal(read('x.json.bak'), '1');
    assert.deepEqual(listDir(tmp.dir), ['x.json', 'x.json.bak']);
  });
});
