import assert from 'node:assert/strict';
import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';
import { FileStore } from '../../../src/engine/store/fileStore';
import { InterruptGate } from '../../../src/engine/store/interrupts';
import { runUnit, type UnitContext } from '../../../src/engine/store/unit';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { PlannedFailure, useTempDir } from '../../support/store/tempDir';
import { loadTaskStateAt } from '../../support/taskManager/taskStateAt';

describe('TaskState', () => {
  const tmp = useTempDir('task-state');
  let db: TaskDb;
  let store: FileStore;
  const gate = new InterruptGate();
  beforeEach(async () => {
    db = TaskDb.openForWriting(taskDbPath(tmp.dir));
    store = await FileStore.open(tmp.dir, { journalName: 'p.journal', db });
  });
  afterEach(() => db.close());
  const unit = <T>(body: (u: UnitContext) => Promise<T> | T) => runUnit(store, gate, async (u) => body(u));

  async function saved(state: TaskState): Promise<void> {
    await unit((u) => state.save(u));
  }

  async function bigState(entries: number): Promise<TaskState> {
    const state = TaskState.create(db, { model: 'm' }, 'task-1', 0);
    for (let i = 0; i < entries; i += 1) {
      state.committed_samples[`k${i}`] = i;
      state.succeeded_samples[`k${i}`] = [{ opinion: i }];
    }
    await saved(state);
    return state;
  }

  const storedRows = () => db.all<{ key: string; committed: string | null; succeeded: string | null; failed: string | null }>('SELECT * FROM samples ORDER BY key');

  it('saves a small change to a big state as the changed rows only', async () => {
    const state = await bigState(3000);
    const writes: string[] = [];
    const original = db.run.bind(db);
    db.run = (sql, ...params) => {
      if (sql.includes('samples')) writes.push(String(params[0]));
      return original(sql, ...params);
    };
    state.committed_samples.k5 = 42;
    delete state.succeeded_samples.k6;
    state.failed_samples.k7 = 'boom';
    await saved(state);
    db.run = original;
    assert.deepEqual(writes.sort(), ['k5', 'k6', 'k7']);
    assert.equal(storedRows().length, 3000);
  });

  it('reloads to exactly what was saved, read-only, by another connection', async () => {
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
    assert.equal(loaded.taskId, 'task-1');
    assert.deepEqual(loaded.summary(), state.summary());
    assert.equal(loaded.committed_samples.k1, 'replaced again');
    assert.ok(!('k2' in loaded.committed_samples));
  });

  it('holds in memory only what changed since the last save, not the saved samples', async () => {
    await bigState(2000);
    const loaded = TaskState.load(db);
    assert.ok(loaded);
    assert.equal(loaded.summary().committed, 2000);
    assert.deepEqual(loaded.succeeded_samples.k1999, [{ opinion: 1999 }]);
    assert.ok(Object.hasOwn(loaded.committed_samples, 'k0'));
    assert.ok(!Object.hasOwn(loaded.committed_samples, 'absent'));
    assert.equal(Object.keys(loaded.committed_samples).length, 2000);
  });

  it("reads a batch's samples ahead in a few queries: the task then sees what is stored, its own changes win, and nothing is read ahead afterwards", async () => {
    await bigState(1200);
    const state = TaskState.load(db) as TaskState;
    const queries: string[] = [];
    const original = { get: db.get.bind(db), all: db.all.bind(db) };
    db.get = ((sql: string, ...params: never[]) => (queries.push(sql), original.get(sql, ...params))) as typeof db.get;
    db.all = ((sql: string, ...params: never[]) => (queries.push(sql), original.all(sql, ...params))) as typeof db.all;
    const keys = Array.from({ length: 1100 }, (_, i) => `k${i}`);
    await state.withSamplesRead([...keys, 'k5', 'absent'], async () => {
      assert.equal(queries.length, 3, 'one query per 500 keys');
      queries.length = 0;
      assert.deepEqual(state.succeeded_samples.k7, [{ opinion: 7 }]);
      assert.ok(!Object.hasOwn(state.committed_samples, 'absent'));
      state.succeeded_samples.k7 = 'mine';
      assert.equal(state.succeeded_samples.k7, 'mine');
      state.failed_samples.k8 = 'failed';
      assert.deepEqual(queries, [], 'no query per sample');
      assert.deepEqual(state.summary(), { committed: 1200, pending: 0, responded: 1200, succeeded: 1199, failed: 0, mixed: 1 });
    });
    assert.deepEqual(state.succeeded_samples.k1150, [{ opinion: 1150 }]);
    assert.equal(queries.length, 1, 'a sample not read ahead is read on its own');
    queries.length = 0;
    assert.deepEqual(state.succeeded_samples.k9, [{ opinion: 9 }]);
    assert.equal(queries.length, 1, 'what was read ahead is forgotten after the batch');
    Object.assign(db, original);
    await saved(state);
    assert.equal(TaskState.load(db)?.succeeded_samples.k7, 'mine');
  });

  it('reads a saved sample from the table once however often the task checks it, as a fresh value each time', async () => {
    const state = await bigState(5);
    const loaded = TaskState.load(db);
    assert.ok(loaded);
    const reads: string[] = [];
    const original = db.get.bind(db);
    db.get = ((sql: string, ...params: never[]) => {
      if (sql.includes('FROM samples WHERE key')) reads.push(String(params[0]));
      return original(sql, ...params);
    }) as typeof db.get;
    try {
      for (let i = 0; i < 3; i += 1) {
        assert.ok(Object.hasOwn(loaded.succeeded_samples, 'k1'));
        assert.ok(!Object.hasOwn(loaded.failed_samples, 'k1'));
        assert.ok(!Object.hasOwn(loaded.committed_samples, 'absent'));
      }
      (loaded.succeeded_samples.k1 as { opinion: number }[]).push({ opinion: -1 });
      assert.deepEqual(loaded.succeeded_samples.k1, [{ opinion: 1 }]);
      loaded.succeeded_samples.k1 = ['saved'];
      await saved(loaded);
      assert.deepEqual(loaded.succeeded_samples.k1, ['saved']);
    } finally {
      db.get = original;
    }
    assert.deepEqual(reads, ['k1', 'absent']);
    assert.deepEqual(TaskState.load(db)?.succeeded_samples.k1, ['saved']);
  });

  it('restores every map exactly when the unit that changed them fails, and writes nothing', async () => {
    const state = await bigState(5);
    const before = structuredClone(state.snapshot());
    const summaryBefore = state.summary();
    const rowsBefore = storedRows();
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
          state.save(u);
          throw new PlannedFailure();
        } finally {
          state.activeUnit = undefined;
        }
      }),
      PlannedFailure,
    );
    assert.deepEqual(state.snapshot(), before);
    assert.deepEqual(state.summary(), summaryBefore);
    assert.deepEqual(storedRows(), rowsBefore);
    state.committed_samples.k4 = 'after';
    await saved(state);
    const loaded = loadTaskStateAt(tmp.dir);
    assert.deepEqual(loaded?.snapshot(), state.snapshot());
  });

  it('summarises committed, pending, responded, succeeded, failed and mixed samples, and keeps the counts for readers', async () => {
    const state = TaskState.create(db, {}, 't', 0);
    for (const key of ['a', 'b', 'c', 'd']) state.committed_samples[key] = null;
    state.succeeded_samples.a = null;
    state.succeeded_samples.b = null;
    state.failed_samples.b = null;
    state.failed_samples.c = null;
    const expected = { committed: 4, pending: 1, responded: 3, succeeded: 1, failed: 1, mixed: 1 };
    assert.deepEqual(state.summary(), expected);
    await saved(state);
    assert.deepEqual(JSON.parse(db.get<{ sample_counts: string }>('SELECT sample_counts FROM task')?.sample_counts ?? '{}'), expected);
    assert.deepEqual(TaskState.load(db)?.summary(), expected);
  });

  it('validates that responded samples are committed, and that a clean state has no pending sample', async () => {
    const state = TaskState.create(db, {}, 't', 0);
    state.committed_samples.a = null;
    state.committed_samples.b = null;
    state.succeeded_samples.a = null;
    state.validate(false);
    assert.throws(() => state.validate(true), /'b' is committed but has no response/);
    state.failed_samples.zz = null;
    assert.throws(() => state.validate(false), /'zz' is in failed_samples but not in committed_samples/);
    delete state.failed_samples.zz;
    state.succeeded_samples.b = null;
    await saved(state);
    const loaded = TaskState.load(db);
    assert.ok(loaded);
    loaded.validate(true);
    db.run("UPDATE samples SET committed = NULL WHERE key = 'a'");
    assert.throws(() => TaskState.load(db)?.validate(false), (error: Error) => error.message.includes(db.file) && /'a' is in succeeded_samples but not in committed_samples/.test(error.message));
  });

  it('empties every map on reset, and the emptied state is what a later reader sees', async () => {
    const state = await bigState(20);
    await unit((u) => {
      state.reset(u, { model: 'other' });
      state.committed_samples.fresh = 1;
      state.save(u);
    });
    assert.deepEqual(Object.keys(state.committed_samples), ['fresh']);
    const loaded = loadTaskStateAt(tmp.dir);
    assert.deepEqual(loaded?.snapshot(), { meta: { model: 'other' }, committed_meta: {}, responded_meta: {}, committed_samples: { fresh: 1 }, succeeded_samples: {}, failed_samples: {} });
  });
});
