import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CharCodesTask } from '../../../src/demos/charCodes/charCodesTask';
import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';
import { completionRatioBins, type CostCaps, readDashboardData } from '../../../src/host/dashboardData';
import { CorruptedStateError } from '../../../src/shared/errors';
import { useTempDir } from '../../support/store/tempDir';
import { startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { charCodesMeta } from '../../support/taskManager/demoTasks';

const caps: CostCaps = { max_task_cost: 10, max_session_cost: 5, max_batch_cost: 2, max_remote_cost: 3, max_direct_cost: 1 };

describe('task dashboard data (char_codes against the simulator)', function () {
  this.timeout(120_000);
  const tmp = useTempDir('dashboard-data');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('is readable before the task ever ran: nothing started, empty series, every cost cap listed', () => {
    const data = readDashboardData(tmp.dir, 'char_codes', caps);
    assert.equal(data.started, false);
    assert.deepEqual(data.progress, []);
    assert.deepEqual(data.batches, []);
    assert.equal(data.completionRatios.counted, 0);
    assert.equal(data.completionRatios.bins.length, completionRatioBins);
    assert.deepEqual(
      data.caps.map((c) => [c.option, c.limit]),
      [
        ['max_task_cost', 10],
        ['max_session_cost', 5],
        ['max_remote_cost', 3],
        ['max_batch_cost', 2],
        ['max_direct_cost', 1],
      ],
    );
  });

  it('after a run in three batches: progress up to every sample, the batches pushed and finished, true costs, every completion ratio', async () => {
    const task = new CharCodesTask(h.init(tmp.dir, { prefix: 'char_codes', initMeta: charCodesMeta, requester: { max_batch_requests: 400 } }));
    assert.equal(await task.run(), true);
    const data = readDashboardData(tmp.dir, 'char_codes', caps);
    assert.equal(data.started, true);
    assert.equal(data.samples.succeeded, 1140);

    assert.equal(data.progress.length, 4, 'a zero point, then one point per batch');
    assert.deepEqual({ ...data.progress[0], at: 0 }, { at: 0, succeeded: 0, failed: 0 });
    assert.equal(data.progress[0]?.at, data.batches[0]?.pushedAt, 'the series starts when the first batch was pushed');
    const last = data.progress.at(-1);
    assert.equal((last?.succeeded ?? 0) + (last?.failed ?? 0), 1140);
    for (let i = 1; i < data.progress.length; i += 1) {
      const [before, after] = [data.progress[i - 1], data.progress[i]];
      assert.ok(before !== undefined && after !== undefined && after.at >= before.at && after.succeeded >= before.succeeded, 'the series counts up in time order');
    }

    assert.deepEqual(
      data.batches.map((b) => [b.kind, b.place, b.numRequests]),
      [
        ['batch', 'processed', 400],
        ['batch', 'processed', 400],
        ['batch', 'processed', 340],
      ],
    );
    for (const batch of data.batches) {
      assert.ok(batch.pushedAt !== undefined && batch.finishedAt !== undefined && batch.finishedAt >= batch.pushedAt, `batch ${batch.id} has a push and a finish in order`);
      assert.ok(batch.estimatedCost > 0 && batch.trueCost !== undefined && batch.trueCost > 0, `batch ${batch.id} has both costs`);
    }
    const batchTotal = data.batches.reduce((sum, b) => sum + (b.trueCost ?? 0), 0);
    assert.ok(Math.abs(batchTotal - data.trueCost) < 1e-9, `batch true costs ${batchTotal} add up to the task's ${data.trueCost}`);

    const ratios = data.completionRatios;
    assert.equal(ratios.counted, 1140, 'a small task counts every answered request');
    assert.equal(ratios.answered, 1140);
    assert.equal(ratios.bins.reduce((a, b) => a + b, 0), 1140);
    assert.ok(ratios.mean !== undefined && ratios.mean > 0 && ratios.mean <= 1);

    const taskCap = data.caps.find((c) => c.option === 'max_task_cost');
    assert.ok(taskCap?.used !== undefined && taskCap.used > 0, 'the pushed batches count against max_task_cost');
    assert.equal(taskCap.reserved, 0, 'nothing is reserved once every batch is processed');
    assert.ok(Math.abs(taskCap.used - data.trueCost) < 1e-9, `the processed batches count at their true cost (${taskCap.used} vs ${data.trueCost})`);
    assert.equal(data.caps.find((c) => c.option === 'max_remote_cost')?.used, 0, 'nothing is at the provider once the run is done');
  });

  it('spreads its completion-ratio sample over a large task and counts each bin in proportion', () => {
    const requests = 40_000;
    const db = TaskDb.openForWriting(taskDbPath(tmp.dir));
    db.transaction(() => {
      db.run("INSERT INTO task (id, task_id, created_at, meta, committed_meta, responded_meta, sample_counts) VALUES (1, 't', 0, '{}', '{}', '{}', ?)", JSON.stringify({ committed: requests, pending: 0, responded: requests, succeeded: requests, failed: 0, mixed: 0 }));
      for (let id = 1; id <= requests; id += 1) {
        // Ratios 0.05, 0.55 and 0.95 in turn, so a third of the requests falls in each of three bins.
        const completion = [1, 11, 19][id % 3] as number;
        db.run("INSERT INTO requests (id, batch_kind, batch_id, sample_key, retry_num, payload, input_tokens, max_output_tokens, size) VALUES (?, 'batch', 1, ?, 0, '{}', 1, 20, 1)", id, `k${id}`);
        db.run("INSERT INTO results (request_id, processed, outcome, usage, result, answered_at) VALUES (?, 1, 'succeeded', ?, '{}', 0)", id, JSON.stringify({ completion_tokens: completion }));
      }
    });
    db.close();
    const { bins, counted } = readDashboardData(tmp.dir, 't', caps).completionRatios;
    assert.ok(counted >= 3000 && counted <= 5000, `counted ${counted} of ${requests}`);
    for (const bin of [1, 11, 19]) assert.ok(Math.abs((bins[bin] ?? 0) / counted - 1 / 3) < 0.01, `bin ${bin} holds a third: ${bins[bin]} of ${counted}`);
    assert.equal(bins.reduce((a, b) => a + b, 0), counted);
  });

  it('names a damaged database and the way out', () => {
    fs.writeFileSync(path.join(tmp.dir, 'task.db'), 'this is not a database, it is long enough to look like a header of one '.repeat(20));
    assert.throws(
      () => readDashboardData(tmp.dir, 'char_codes', caps),
      (error: unknown) => error instanceof CorruptedStateError && error.message.includes(path.join(tmp.dir, 'task.db')) && /backup|move the task directory/.test(error.message),
    );
  });
});
