import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { InterruptedError } from '../../../src/shared/errors';
import { FileStore } from '../../../src/engine/store/fileStore';
import { InterruptGate } from '../../../src/engine/store/interrupts';
import { runUnit } from '../../../src/engine/store/unit';
import { listDir, PlannedFailure, useTempDir } from '../../support/store/tempDir';

describe('runUnit', () => {
  const tmp = useTempDir('unit');
  const snapshot = () => Object.fromEntries(listDir(tmp.dir).map((name) => [name, fs.readFileSync(path.join(tmp.dir, name))]));

  async function seededStore(): Promise<FileStore> {
    const store = await FileStore.open(tmp.dir, { journalName: 'P.journal' });
    const tx = store.transaction();
    tx.writeJson('P_state.json', { generation: 1 }, { pretty: true });
    tx.writeJsonl('P_queue.jsonl', [{ id: 1 }]);
    tx.writeJson('P_task.json', { committed: ['a'] });
    await tx.commit();
    return store;
  }

  it('commits every file of a unit and returns its result', async () => {
    const store = await seededStore();
    const result = await runUnit(store, new InterruptGate(), async ({ tx }) => {
      tx.writeJson('P_state.json', { generation: 2 }, { pretty: true });
      tx.appendJsonl('P_queue.jsonl', [{ id: 2 }]);
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(tmp.dir, 'P_state.json'), 'utf8')), { generation: 2 });
    assert.equal(fs.readFileSync(path.join(tmp.dir, 'P_queue.jsonl'), 'utf8'), '{"id":1}\n{"id":2}\n');
  });

  it('rolls back a failed unit across several files and in memory, leaving the files byte-identical', async () => {
    const store = await seededStore();
    const before = snapshot();
    const memory = { committed: ['a'] };
    await assert.rejects(
      runUnit(store, new InterruptGate(), async ({ rs, tx }) => {
        const previous = memory.committed;
        memory.committed = [...previous, 'b'];
        rs.onRevert(() => {
          memory.committed = previous;
        });
        tx.writeJson('P_state.json', { generation: 2 }, { pretty: true });
        tx.appendJsonl('P_queue.jsonl', [{ id: 2 }]);
        tx.writeJson('P_task.json', memory);
        tx.writeText('P_batch1.jsonl', 'new batch\n');
        tx.remove('P_queue.jsonl');
        throw new PlannedFailure();
      }),
      PlannedFailure,
    );
    assert.deepEqual(memory.committed, ['a']);
    assert.deepEqual(snapshot(), before);
  });

  it('rolls back the in-memory undos when the commit itself fails', async () => {
    const store = await seededStore();
    fs.mkdirSync(path.join(tmp.dir, 'occupied'));
    fs.writeFileSync(path.join(tmp.dir, 'occupied', 'file'), '');
    let undone = false;
    await assert.rejects(
      runUnit(store, new InterruptGate(), async ({ rs, tx }) => {
        rs.onRevert(() => {
          undone = true;
        });
        tx.writeText(path.join(tmp.dir, 'occupied', 'file', 'below-a-file.txt'), 'cannot be written');
        tx.writeJson('P_state.json', { generation: 2 });
      }),
      /ENOTDIR/,
    );
    assert.equal(undone, true);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(tmp.dir, 'P_state.json'), 'utf8')), { generation: 1 });
  });

  it('saves a unit interrupted while it runs, then raises the interrupt', async () => {
    const store = await seededStore();
    const gate = new InterruptGate();
    await assert.rejects(
      runUnit(store, gate, async ({ tx }) => {
        gate.request('Stop');
        tx.writeJson('P_state.json', { generation: 2 });
      }),
      InterruptedError,
    );
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(tmp.dir, 'P_state.json'), 'utf8')), { generation: 2 });
  });
});
