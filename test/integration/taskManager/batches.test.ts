import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { useTempDir } from '../../support/store/tempDir';
import { filesMatching, readJsonlLines, readRequesterState, snapshotDir, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { type SampleOutput, SampleTask, sampleKeys } from '../../support/taskManager/sampleTask';
import { loadTaskStateAt, queuedRequestIds } from '../../support/taskManager/taskStateAt';

async function loadState(dir: string): Promise<TaskState> {
  const state = loadTaskStateAt(dir);
  assert.ok(state);
  return state;
}

function outputKeys(dir: string): string[] {
  return readJsonlLines<SampleOutput>(path.join(dir, 'test_output.jsonl'))
    .map((l) => l.key)
    .sort();
}

describe('TaskManager with the Batch API (against the simulator)', function () {
  this.timeout(90_000);
  const tmp = useTempDir('tm-batches');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('pushes one batch of 150 requests, waits for it, processes it and deletes the remote files', async () => {
    const task = new SampleTask(h.init(tmp.dir), sampleKeys(150));
    assert.equal(await task.run(), true);
    assert.equal(task.stepNum, 2);
    assert.equal(task.processedBatches.length, 1);
    const stats = h.sim.stats();
    assert.equal(Object.keys(stats.batchCustomIds).length, 150);
    assert.equal(stats.routes['POST /v1/batches'], 1);
    assert.equal(stats.chatCompletionCalls, 0);
    assert.ok((stats.routes['DELETE /v1/files/{id}'] ?? 0) >= 2, `remote files deleted: ${JSON.stringify(stats.routes)}`);
    const state = await loadState(tmp.dir);
    assert.equal(Object.keys(state.succeeded_samples).length, 150);
    assert.deepEqual(outputKeys(tmp.dir), sampleKeys(150));
    assert.deepEqual(readRequesterState(tmp.dir).batches, []);
    assert.deepEqual(filesMatching(tmp.dir, /_batch\d+/), []);
  });

  it('reverts memory and files when processing a batch result throws, and a rerun completes the same output', async () => {
    const reference = fs.mkdtempSync(`${tmp.dir}-reference`);
    try {
      assert.equal(await new SampleTask(h.init(reference), sampleKeys(120)).run(), true);
      let failing = true;
      let before: Map<string, string> | undefined;
      class Failing extends SampleTask {
        protected override processBatchResult(...args: Parameters<SampleTask['processBatchResult']>): boolean {
          before = snapshotDir(tmp.dir);
          return super.processBatchResult(...args);
        }
      }
      const task = new Failing(h.init(tmp.dir), sampleKeys(120), { failProcessing: () => failing });
      await assert.rejects(task.run(), /processing failed on purpose/);
      assert.ok(before);
      assert.deepEqual(snapshotDir(tmp.dir), before);
      const remote = readRequesterState(tmp.dir).batches;
      assert.equal(remote.length, 1);
      failing = false;
      const rerun = new SampleTask(h.init(tmp.dir), sampleKeys(120));
      assert.equal(await rerun.run(), true);
      assert.equal(rerun.processedBatches.length, 1);
      assert.deepEqual(outputKeys(tmp.dir), outputKeys(reference));
      assert.deepEqual(readJsonlLines(path.join(tmp.dir, 'test_output.jsonl')).length, 120);
    } finally {
      fs.rmSync(reference, { recursive: true, force: true });
    }
  });

  it('restores the in-memory task state and output exactly when processing throws', async () => {
    let before: unknown;
    let after: unknown;
    class Probe extends SampleTask {
      private memory(): unknown {
        return structuredClone({ T: this.T.snapshot(), pending: this.out.pending, paths: this.out.paths, lastEntries: this.out.lastEntries, lastSize: this.out.lastSize });
      }
      protected override processBatchResult(...args: Parameters<SampleTask['processBatchResult']>): boolean {
        before = this.memory();
        return super.processBatchResult(...args);
      }
      override async step(): Promise<boolean> {
        try {
          return await super.step();
        } catch (error) {
          after = this.memory();
          throw error;
        }
      }
    }
    const task = new Probe(h.init(tmp.dir, { requester: { force_direct: true } }), sampleKeys(3), { failProcessing: () => true });
    await assert.rejects(task.run(), /processing failed on purpose/);
    assert.ok(before !== undefined);
    assert.deepEqual(after, before);
    assert.equal(Object.keys((before as { T: { committed_samples: object } }).T.committed_samples).length, 3);
  });

  it('only_process processes the unfinished remote batch without generating anything new', async () => {
    const pusher = new SampleTask(h.init(tmp.dir, { requester: { min_batch_requests: 2, max_batch_requests: 5 } }), sampleKeys(5));
    await pushWithoutWaiting(pusher);
    assert.equal(readRequesterState(tmp.dir).batches.length, 1);
    const onlyProcess = new SampleTask(h.init(tmp.dir, { requester: { only_process: true, min_batch_requests: 2, max_batch_requests: 5 } }), sampleKeys(10));
    assert.equal(await onlyProcess.run(), false);
    assert.equal(onlyProcess.generateCalls, 0);
    assert.equal(onlyProcess.processedBatches.length, 1);
    const state = await loadState(tmp.dir);
    assert.equal(Object.keys(state.committed_samples).length, 5);
    assert.equal(Object.keys(state.succeeded_samples).length, 5);
    assert.equal(h.sim.stats().routes['POST /v1/batches'], 1);
  });

  it('stops congested with one full local batch when max_remote_batches is 0', async () => {
    const task = new SampleTask(
      h.init(tmp.dir, { requester: { min_batch_requests: 1, max_batch_requests: 10, max_unpushed_batches: 1, max_remote_batches: 0 } }),
      sampleKeys(50),
    );
    assert.equal(await task.run(), false);
    assert.equal(filesMatching(tmp.dir, /_batch\d+_[^.]*\.jsonl$/).length, 1);
    const state = readRequesterState(tmp.dir);
    assert.equal(state.batches.length, 1);
    assert.equal(queuedRequestIds(tmp.dir).length, 40);
    assert.match(h.logger.text(), /did not result in unfinished pushed remote batches/);
    assert.deepEqual(h.sim.stats().routes, {});
    const incremental = new SampleTask(
      h.init(tmp.dir, { requester: { min_batch_requests: 1, max_batch_requests: 10, max_unpushed_batches: 1, max_remote_batches: 0 } }),
      sampleKeys(80),
      { chunk: 5 },
    );
    assert.equal(await incremental.run(), false);
    assert.equal(incremental.generateCalls, 0, 'a congested step does not generate');
  });

  it('executes only max_session_requests direct requests per session and continues on the next run', async () => {
    const options = { force_direct: true, max_session_requests: 2 };
    const first = new SampleTask(h.init(tmp.dir, { requester: options }), sampleKeys(5));
    assert.equal(await first.run(), false);
    assert.equal(Object.keys((await loadState(tmp.dir)).succeeded_samples).length, 2);
    assert.equal(readRequesterState(tmp.dir).batches.length, 1);
    assert.equal(h.sim.stats().chatCompletionCalls, 2);
    const second = new SampleTask(h.init(tmp.dir, { requester: options }), sampleKeys(5));
    assert.equal(await second.run(), false);
    assert.equal(Object.keys((await loadState(tmp.dir)).succeeded_samples).length, 4);
    assert.equal(h.sim.stats().chatCompletionCalls, 4);
  });
});

/** Runs one step (which pushes) and leaves without waiting, like a process stopped while waiting. */
async function pushWithoutWaiting(task: SampleTask): Promise<void> {
  const internals = task as unknown as { enter(): Promise<void>; exit(): Promise<void> };
  await internals.enter();
  try {
    await task.step();
  } finally {
    await internals.exit();
  }
}

