import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { useTempDir } from '../../support/store/tempDir';
import { readJsonlLines, readRequesterState, snapshotDir, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { type SampleOutput, SampleTask, sampleKeys } from '../../support/taskManager/sampleTask';
import { loadTaskStateAt, queuedRequestIds } from '../../support/taskManager/taskStateAt';

async function loadState(dir: string): Promise<TaskState> {
  const state = loadTaskStateAt(dir);
  assert.ok(state);
  return state;
}

describe('TaskManager failures and retries (against the simulator)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('tm-failures');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('restores the committed record, the pool and the queue file when recording a commit throws', async () => {
    await new SampleTask(h.init(tmp.dir, { taskManager: { run: false } }), []).run();
    const before = snapshotDir(tmp.dir);
    let memory: { pool: number[]; queue: number; committed: unknown } | undefined;
    class Probe extends SampleTask {
      override async commitRequests(...args: Parameters<SampleTask['commitRequests']>): Promise<boolean> {
        const pool = this.requester.pool.map((r) => r.id);
        try {
          return await super.commitRequests(...args);
        } catch (error) {
          memory = { pool: this.requester.pool.map((r) => r.id), queue: this.requester.queue.length, committed: structuredClone(this.T.snapshot()) };
          assert.deepEqual(memory.pool, pool);
          throw error;
        }
      }
    }
    const task = new Probe(h.init(tmp.dir, { requester: { force_direct: true } }), sampleKeys(3), { failCommitAt: 2 });
    await assert.rejects(task.run(), /commit failed on purpose/);
    assert.ok(memory);
    assert.equal(memory.pool.length, 3);
    assert.equal(memory.queue, 0);
    const committed = memory.committed as { committed_samples: object; committed_meta: object };
    assert.deepEqual(committed.committed_samples, {});
    assert.deepEqual(committed.committed_meta, {});
    assert.deepEqual(snapshotDir(tmp.dir), before);
    assert.equal(h.sim.stats().chatCompletionCalls, 0);
  });

  it('regenerates the same requests once after generation failed before any commit', async () => {
    const failing = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true } }), sampleKeys(4), { failGeneration: () => true });
    await assert.rejects(failing.run(), /generation failed on purpose/);
    assert.deepEqual(queuedRequestIds(tmp.dir), []);
    const rerun = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true } }), sampleKeys(4));
    assert.equal(await rerun.run(), true);
    assert.deepEqual(rerun.generated, sampleKeys(4));
    const lines = readJsonlLines<SampleOutput>(path.join(tmp.dir, 'test_output.jsonl'));
    assert.deepEqual(lines.map((l) => l.key).sort(), sampleKeys(4));
    assert.equal((await loadState(tmp.dir)).committed_meta.requests, 4);
  });

  it('tries a rejected request max_retries + 1 times, then records it as failed for good', async () => {
    const keys = sampleKeys(3);
    const reject = new Set([keys[1] as string]);
    const task = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true, max_retries: 2 } }), keys, { reject });
    assert.equal(await task.run(), true);
    assert.equal(h.sim.stats().chatCompletionCalls, 3 + 2);
    const state = await loadState(tmp.dir);
    assert.deepEqual(Object.keys(state.failed_samples), [keys[1]]);
    assert.equal(state.failed_samples[keys[1] as string], 'Rejected');
    assert.ok(!Object.hasOwn(state.succeeded_samples, keys[1] as string));
    assert.equal(readRequesterState(tmp.dir).batches.length, 0);
    const later = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true, max_retries: 2 } }), keys);
    assert.equal(await later.run(), true);
    assert.deepEqual(later.generated, []);
    assert.equal(h.sim.stats().chatCompletionCalls, 5);
  });

  it('counts a sample whose retry succeeded once, as succeeded only', async () => {
    const keys = sampleKeys(2);
    const task = new SampleTask(h.init(tmp.dir, { requester: { force_direct: true, max_retries: 2 } }), keys, { rejectAttempts: new Map([[keys[0] as string, 1]]) });
    assert.equal(await task.run(), true);
    const state = await loadState(tmp.dir);
    assert.deepEqual(Object.keys(state.succeeded_samples).sort(), keys);
    assert.deepEqual(state.failed_samples, {});
    assert.equal(state.committed_meta.requests, 2, 'the retry is not a new commit');
    assert.equal(readJsonlLines(path.join(tmp.dir, 'test_output.jsonl')).length, 2);
    assert.equal(h.sim.stats().chatCompletionCalls, 3);
  });
});
