import assert from 'node:assert/strict';
import fs from 'node:fs';
import { FileStore } from '../../../src/engine/store/fileStore';
import { InterruptGate } from '../../../src/engine/store/interrupts';
import { runUnit, type UnitContext } from '../../../src/engine/store/unit';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { PlannedFailure, useTempDir } from '../../support/store/tempDir';
import { loadTaskStateAt } from '../../support/taskManager/taskStateAt';

describe('TaskState', () => {
  const tmp = useTempDir('task-state');
  let store: FileStore;
  const gate = new InterruptGate();
  beforeEach(async () => {
    store = await FileStore.open(tmp.dir, { journalName: 'p.journal' });
  });
  const unit = <T>(body: (u: UnitContext) => Promise<T> | T) => runUnit(store, gate, async (u) => body(u));

  async function saved(state: TaskState): Promise<void> {
    await unit((u) => state.save(u, tmp.dir, 'p'));
  }

  async function bigState(entries: number): Promise<TaskState> {
    const state = TaskState.create({ model: 'm' });
    for (let i = 0; i < entries; i += 1) {
      state.committed_samples[`k${i}`] = i;
      state.succeeded_samples[`k${i}`] = [{ opinion: i }];
    }
    await saved(state);
    return state;
  }

  it('saves a small change to a big state as one change-log line and leaves the snapshot alone', async () => {
    const state = await bigState(3000);
    const snapshot = fs.readFileSync(TaskState.snapshotPath(tmp.dir, 'p'), 'utf8');
    assert.ok(snapshot.includes('"k2999"'));
    state.committed_samples.k5 = 42;
    delete state.succeeded_samples.k6;
    state.failed_samples.k7 = 'boom';
    await saved(state);
    assert.equal(fs.readFileSync(TaskState.snapshotPath(tmp.dir, 'p'), 'utf8'), snapshot);
    const changes = fs.readFileSync(TaskState.changesPath(tmp.dir, 'p'), 'utf8').trim().split('\n');
    assert.equal(changes.length, 3);
    assert.ok(Buffer.byteLength(changes.join('\n')) < 200);
  });

  it('reloads to exactly what is in memory (snapshot plus change log)', async () => {
    const state = await bigState(50);
    state.committed_samples.k1 = { nested: ['é', 2] };
    delete state.committed_samples.k2;
    delete state.succeeded_samples.k2;
    state.responded_meta.total = 9;
    await saved(state);
    state.committed_samples.k1 = 'replaced again';
    await saved(state);
    const loaded = loadTaskStateAt(tmp.dir);
    assert.ok(loaded);
    assert.deepEqual(loaded.snapshot(), state.snapshot());
  });

  it('rewrites the snapshot once the change log grows as large as the state', async () => {
    const state = await bigState(10);
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 400; i += 1) state.responded_meta[`r${i}`] = round;
      await saved(state);
    }
    const loaded = loadTaskStateAt(tmp.dir);
    assert.ok(loaded);
    assert.deepEqual(loaded.snapshot(), state.snapshot());
    const lines = fs.readFileSync(TaskState.changesPath(tmp.dir, 'p'), 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines <= 1000, `the change log was compacted (${lines} lines)`);
  });

  it('restores every map exactly when the unit that changed them fails', async () => {
    const state = await bigState(5);
    const before = structuredClone(state.snapshot());
    const filesBefore = fs.readdirSync(tmp.dir).map((name) => [name, fs.readFileSync(`${tmp.dir}/${name}`, 'utf8')]);
    await assert.rejects(
      runUnit(store, gate, async (u) => {
        state.activeUnit = u;
        try {
          state.committed_samples.k0 = 'changed';
          state.committed_samples.k0 = 'changed twice';
          state.committed_samples.new = 1;
          delete state.succeeded_samples.k1;
          state.failed_samples.k3 = null;
          state.committed_meta.count = 1;
          state.save(u, tmp.dir, 'p');
          throw new PlannedFailure();
        } finally {
          state.activeUnit = undefined;
        }
      }),
      PlannedFailure,
    );
    assert.deepEqual(state.snapshot(), before);
    assert.deepEqual(
      fs.readdirSync(tmp.dir).map((name) => [name, fs.readFileSync(`${tmp.dir}/${name}`, 'utf8')]),
      filesBefore,
    );
    // The reverted changes are still written by the next successful save only if made again.
    state.committed_samples.k4 = 'after';
    await saved(state);
    const loaded = loadTaskStateAt(tmp.dir);
    assert.deepEqual(loaded?.snapshot(), state.snapshot());
  });

  it('summarises committed, pending, responded, succeeded, failed and mixed samples', () => {
    const state = TaskState.create({});
    for (const key of ['a', 'b', 'c', 'd']) state.committed_samples[key] = null;
    state.succeeded_samples.a = null;
    state.succeeded_samples.b = null;
    state.failed_samples.b = null;
    state.failed_samples.c = null;
    assert.deepEqual(state.summary(), { committed: 4, pending: 1, responded: 3, succeeded: 1, failed: 1, mixed: 1 });
  });

  it('validates that responded samples are committed, and that a clean state has no pending sample', () => {
    const state = TaskState.create({});
    state.committed_samples.a = null;
    state.committed_samples.b = null;
    state.succeeded_samples.a = null;
    state.validate(false, 'f.json');
    assert.throws(() => state.validate(true, 'f.json'), /'b' is committed but has no response/);
    state.failed_samples.zz = null;
    assert.throws(() => state.validate(false, 'f.json'), /'zz' is in failed_samples but not in committed_samples/);
  });
});
