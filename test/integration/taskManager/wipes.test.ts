import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { useTempDir } from '../../support/store/tempDir';
import { filesMatching, readJsonlLines, readRequesterState, snapshotDir, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { type SampleOutput, SampleTask, sampleKeys } from '../../support/taskManager/sampleTask';
import { loadTaskStateAt } from '../../support/taskManager/taskStateAt';

async function loadState(dir: string): Promise<TaskState> {
  const state = loadTaskStateAt(dir);
  assert.ok(state);
  return state;
}

/** Enters the task, runs one step (which pushes) and leaves without waiting, like a process stopped while waiting. */
async function pushWithoutWaiting(task: SampleTask): Promise<void> {
  const internals = task as unknown as { enter(): Promise<void>; exit(): Promise<void> };
  await internals.enter();
  try {
    await task.step();
  } finally {
    await internals.exit();
  }
}

describe('TaskManager wipes and dry runs (against the simulator)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('tm-wipes');
  let h: TaskHarness;
  afterEach(async () => {
    await h.close();
  });

  describe('with fast batches', () => {
    beforeEach(async () => {
      h = await startTaskHarness();
    });

    it('wipe_failed forgets the failed samples and regenerates exactly those', async () => {
      const keys = sampleKeys(5);
      const reject = new Set([keys[1] as string, keys[3] as string]);
      assert.equal(await new SampleTask(h.init(tmp.dir, { requester: { force_direct: true, max_retries: 0 } }), keys, { reject }).run(), true);
      const failed = await loadState(tmp.dir);
      assert.deepEqual(Object.keys(failed.failed_samples).sort(), [...reject].sort());

      class Observer extends SampleTask {
        afterWipe: { committed: string[]; failed: string[] } | undefined;
        protected override async generateRequests(): Promise<boolean> {
          this.afterWipe ??= { committed: Object.keys(this.T.committed_samples).sort(), failed: Object.keys(this.T.failed_samples) };
          return super.generateRequests();
        }
      }
      const wiping = new Observer(h.init(tmp.dir, { requester: { force_direct: true }, taskManager: { wipe_failed: true } }), keys);
      assert.equal(await wiping.run(), true);
      assert.deepEqual(wiping.afterWipe, { committed: [keys[0], keys[2], keys[4]], failed: [] });
      assert.deepEqual(wiping.generated.sort(), [...reject].sort());
      const state = await loadState(tmp.dir);
      assert.deepEqual(state.failed_samples, {});
      assert.deepEqual(Object.keys(state.succeeded_samples).sort(), keys);
      assert.equal(readJsonlLines(path.join(tmp.dir, 'test_output.jsonl')).length, 5);
    });

    it('wipe_task with run false recreates state, output and requester state from scratch', async () => {
      const keys = sampleKeys(5);
      assert.equal(await new SampleTask(h.init(tmp.dir, { requester: { force_direct: true } }), keys, { maxEntries: 2 }).run(), true);
      assert.equal(filesMatching(tmp.dir, /^test_output_part\d+of003\.jsonl$/).length, 3);
      const newMeta = { model: 'gpt-4o', max_completion_tokens: 20 };
      const task = new SampleTask(h.init(tmp.dir, { initMeta: newMeta, requester: { wipe_task: true }, taskManager: { run: false } }), keys, { maxEntries: 2 });
      assert.equal(await task.run(), false);
      const state = await loadState(tmp.dir);
      assert.deepEqual(structuredClone(state.snapshot()), {
        meta: newMeta,
        committed_meta: {},
        committed_samples: {},
        responded_meta: {},
        failed_samples: {},
        succeeded_samples: {},
      });
      assert.deepEqual(filesMatching(tmp.dir, /^test_output/), ['test_output.jsonl']);
      assert.equal(fs.readFileSync(path.join(tmp.dir, 'test_output.jsonl'), 'utf8'), '');
      const requester = readRequesterState(tmp.dir);
      assert.equal(requester.max_request_id, 0);
      assert.deepEqual(requester.batches, []);
      assert.equal(task.generateCalls, 0);
    });

    it('a dry run changes no file, calls no API and stops after one step', async () => {
      const keys = sampleKeys(5);
      assert.equal(await new SampleTask(h.init(tmp.dir, { requester: { force_direct: true } }), keys.slice(0, 3)).run(), true);
      h.sim.resetStats();
      const before = snapshotDir(tmp.dir);
      const mtimes = fs.readdirSync(tmp.dir).map((name) => [name, fs.statSync(path.join(tmp.dir, name)).mtimeMs]);
      const task = new SampleTask(h.init(tmp.dir, { requester: { dryrun: true, force_direct: true } }), keys);
      assert.equal(await task.run(), false);
      assert.equal(task.stepNum, 1);
      assert.deepEqual(snapshotDir(tmp.dir), before);
      // A reader of a WAL database touches SQLite's shared-memory index and the empty WAL beside it; the database is not touched.
      for (const [name, mtime] of mtimes) if (!String(name).includes('.lock') && !/^task\.db-(wal|shm)$/.test(String(name))) assert.equal(fs.statSync(path.join(tmp.dir, String(name))).mtimeMs, mtime, String(name));
      assert.deepEqual(h.sim.stats().routes, {});
      assert.match(h.logger.text(), /\[DRYRUN\] Stopping incomplete/);
    });
  });

  describe('with slow batches', () => {
    beforeEach(async () => {
      h = await startTaskHarness({ batchSeconds: 60 });
    });

    it('wipe_requests cancels the remote batch, empties the queue and regenerates the pending samples', async () => {
      const keys = sampleKeys(4);
      const options = { min_batch_requests: 2, max_batch_requests: 4 };
      await pushWithoutWaiting(new SampleTask(h.init(tmp.dir, { requester: options }), keys));
      assert.equal(readRequesterState(tmp.dir).batches.length, 1);
      assert.equal(Object.keys((await loadState(tmp.dir)).committed_samples).length, 4);

      class Observer extends SampleTask {
        committedAfterWipe: string[] | undefined;
        protected override async generateRequests(): Promise<boolean> {
          this.committedAfterWipe ??= Object.keys(this.T.committed_samples);
          return super.generateRequests();
        }
      }
      const wiping = new Observer(h.init(tmp.dir, { requester: { ...options, wipe_requests: true, force_direct: true } }), keys);
      assert.equal(await wiping.run(), true);
      assert.deepEqual(wiping.committedAfterWipe, []);
      assert.deepEqual(wiping.generated, keys);
      assert.equal(h.sim.stats().routes['POST /v1/batches/{id}/cancel'], 1);
      assert.deepEqual(filesMatching(tmp.dir, /_batch\d+/), []);
      assert.deepEqual(readRequesterState(tmp.dir).batches, []);
      assert.deepEqual(
        readJsonlLines<SampleOutput>(path.join(tmp.dir, 'test_output.jsonl'))
          .map((l) => l.key)
          .sort(),
        keys,
      );
    });
  });
});
