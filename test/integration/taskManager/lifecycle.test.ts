import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../src/shared/errors';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { useTempDir } from '../../support/store/tempDir';
import { filesMatching, readJsonlLines, readRequesterState, snapshotDir, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { SampleTask, sampleKeys } from '../../support/taskManager/sampleTask';
import { loadTaskStateAt, queuedRequestIds, taskDbContent, tamperTaskDb } from '../../support/taskManager/taskStateAt';

/** The task state as the next run loads it. */
async function readTask(dir: string): Promise<Record<string, unknown>> {
  const state = loadTaskStateAt(dir);
  assert.ok(state, `no task state in ${dir}`);
  return structuredClone(state.snapshot()) as Record<string, unknown>;
}

describe('TaskManager lifecycle (against the simulator)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('tm-lifecycle');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('creates the task state, output and requester files without calling the API when run is false', async () => {
    const meta = { model: 'gpt-4o-mini', max_completion_tokens: 60, note: 'ü' };
    const task = new SampleTask(h.init(tmp.dir, { initMeta: meta, taskManager: { run: false } }), sampleKeys(3));
    assert.equal(await task.run(), false);
    assert.deepEqual(await readTask(tmp.dir), {
      meta,
      committed_meta: {},
      committed_samples: {},
      responded_meta: {},
      failed_samples: {},
      succeeded_samples: {},
    });
    assert.equal(fs.readFileSync(path.join(tmp.dir, 'test_output.jsonl'), 'utf8'), '');
    assert.deepEqual(readRequesterState(tmp.dir).batches, []);
    assert.deepEqual(queuedRequestIds(tmp.dir), []);
    assert.deepEqual(h.sim.stats().routes, {});
    assert.equal(task.generateCalls, 0);
  });

  it('keeps the stored meta when init_meta changes without reinit_meta, and generates from the stored meta', async () => {
    await new SampleTask(h.init(tmp.dir, { initMeta: { model: 'gpt-4o-mini', max_completion_tokens: 60 }, taskManager: { run: false } }), []).run();
    const task = new SampleTask(h.init(tmp.dir, { initMeta: { model: 'other-model', max_completion_tokens: 5 }, requester: { force_direct: true } }), sampleKeys(1));
    assert.equal(await task.run(), true);
    assert.deepEqual(((await readTask(tmp.dir)).meta as Record<string, unknown>).model, 'gpt-4o-mini');
    const sent = taskDbContent(tmp.dir)['task.db:requests'] ?? '';
    assert.match(sent, /gpt-4o-mini/);
    assert.doesNotMatch(sent, /other-model/);
  });

  it('replaces the whole meta with reinit_meta, leaves the maps alone, and reinitialises only once per entering', async () => {
    const first = new SampleTask(h.init(tmp.dir, { initMeta: { model: 'gpt-4o-mini', max_completion_tokens: 60, gone: 1 }, requester: { force_direct: true } }), sampleKeys(2));
    assert.equal(await first.run(), true);
    const before = (await readTask(tmp.dir));
    const newMeta = { model: 'gpt-4o', max_completion_tokens: 30 };
    const reinit = new SampleTask(h.init(tmp.dir, { initMeta: newMeta, taskManager: { run: false, reinit_meta: true } }), sampleKeys(2));
    await reinit.run();
    const after = await readTask(tmp.dir);
    assert.deepEqual(after.meta, newMeta);
    assert.deepEqual({ ...after, meta: null }, { ...before, meta: null });
    await reinit.run();
    assert.equal(h.logger.records.filter((r) => r.message.startsWith('Re-initialised the task meta')).length, 1);
  });

  for (const [label, sql] of [
    ['a task meta that is not JSON', "UPDATE task SET meta = '{broken'"],
    ['a sample entry that is not JSON', "INSERT INTO samples (key, committed) VALUES ('bad', 'not json')"],
  ] as const) {
    it(`refuses to enter with ${label}, naming the database, and leaves it untouched`, async () => {
      await new SampleTask(h.init(tmp.dir, { taskManager: { run: false } }), []).run();
      tamperTaskDb(tmp.dir, sql);
      const content = taskDbContent(tmp.dir);
      await assert.rejects(new SampleTask(h.init(tmp.dir), ['bad']).run(), (error: unknown) => EngineError.is(error, 'corruptedState') && error.message.includes(path.join(tmp.dir, 'task.db')));
      assert.deepEqual(taskDbContent(tmp.dir), content);
    });
  }

  it('runs 3 samples through the direct API in one step and post-processes once', async () => {
    const task = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true } }), sampleKeys(3));
    assert.equal(await task.run(), true);
    assert.equal(task.stepNum, 1);
    const state = (await readTask(tmp.dir));
    assert.deepEqual(Object.keys(state.committed_samples as object), sampleKeys(3));
    assert.deepEqual(Object.keys(state.succeeded_samples as object).sort(), sampleKeys(3));
    assert.deepEqual(state.failed_samples, {});
    assert.deepEqual(readJsonlLines<{ key: string }>(path.join(tmp.dir, 'test_output.jsonl')).map((l) => l.key).sort(), sampleKeys(3));
    assert.deepEqual(queuedRequestIds(tmp.dir), []);
    assert.deepEqual(filesMatching(tmp.dir, /_batch\d+/), []);
    assert.deepEqual(readRequesterState(tmp.dir).batches, []);
    assert.equal(task.postprocessCalls, 1);
    assert.deepEqual(h.sim.stats().batchCustomIds, {});
    assert.equal(h.sim.stats().chatCompletionCalls, 3);
  });

  it('refuses to enter a state whose failed sample is not committed', async () => {
    await new SampleTask(h.init(tmp.dir, { taskManager: { run: false } }), []).run();
    tamperTaskDb(tmp.dir, "INSERT INTO samples (key, failed) VALUES ('ghost', 'null')");
    await assert.rejects(new SampleTask(h.init(tmp.dir), []).run(), /'ghost' is in failed_samples but not in committed_samples/);
  });

  it('fails to start a second run on a locked task without disturbing the first', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    class SlowTask extends SampleTask {
      protected override async generateRequests(): Promise<boolean> {
        entered();
        await gate;
        return super.generateRequests();
      }
    }
    const first = new SlowTask(h.init(tmp.dir, { requester: { force_direct: true } }), sampleKeys(2));
    const running = first.run();
    await inside;
    const before = snapshotDir(tmp.dir);
    await assert.rejects(new SampleTask(h.init(tmp.dir, { requester: { lock_timeout: 0 } }), sampleKeys(2)).run(), (error: unknown) => EngineError.is(error, 'locked'));
    assert.deepEqual(snapshotDir(tmp.dir), before);
    release();
    assert.equal(await running, true);
    assert.equal(Object.keys((await readTask(tmp.dir)).succeeded_samples as object).length, 2);
  });

  describe('post-processing', () => {
    it('never calls the hook with mode never', async () => {
      const task = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true }, taskManager: { postprocess_output: 'never' } }), sampleKeys(2));
      assert.equal(await task.run(), true);
      assert.equal(task.postprocessCalls, 0);
    });

    it('calls the hook with mode always even when the task does not run', async () => {
      const task = new SampleTask(h.init(tmp.dir, { taskManager: { run: false, postprocess_output: 'always' } }), sampleKeys(2));
      assert.equal(await task.run(), false);
      assert.equal(task.postprocessCalls, 1);
    });

    it('with if_written, skips a resumed run that writes nothing and a run that leaves work', async () => {
      const done = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true } }), sampleKeys(2));
      assert.equal(await done.run(), true);
      const resumed = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true } }), sampleKeys(2));
      assert.equal(await resumed.run(), true);
      assert.equal(resumed.postprocessCalls, 0);
      const partial = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true, max_session_requests: 1 } }), sampleKeys(4));
      assert.equal(await partial.run(), false);
      assert.equal(partial.postprocessCalls, 0);
    });
  });
});
