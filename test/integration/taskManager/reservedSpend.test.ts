import assert from 'node:assert/strict';
import type { SpendCap, TaskEvent } from '../../../src/shared/taskEvent';
import { useTempDir } from '../../support/store/tempDir';
import { readRequesterState, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { SampleTask, sampleKeys } from '../../support/taskManager/sampleTask';
import { loadTaskStateAt } from '../../support/taskManager/taskStateAt';

// A batch of 10 sample requests is predicted at about 0.002 and truly costs about half of it (the answers are short).
const maxTaskCost = 0.0105;

function taskCostCap(event: TaskEvent): SpendCap {
  const cap = event.caps.find((c) => c.option === 'max_task_cost');
  assert.ok(cap, 'every event carries the task cost cap');
  return cap;
}

describe('reserved spend: cost caps with many batches in flight (against the simulator)', function () {
  this.timeout(120_000);
  const tmp = useTempDir('reserved-spend');
  let h: TaskHarness;
  afterEach(async () => {
    await h.close();
  });

  it('counts the batches in flight as reserved, reconciles them with their true cost, and never commits past the cap', async () => {
    h = await startTaskHarness({ batchSeconds: 3 });
    const events: TaskEvent[] = [];
    const init = h.init(tmp.dir, { requester: { max_batch_requests: 10, min_batch_requests: 10, max_task_cost: maxTaskCost, remote_update_interval: 0.2 } });
    const task = new SampleTask({ ...init, events: (event) => events.push(structuredClone(event)) }, sampleKeys(300));
    assert.equal(await task.run(), false, 'the cap stops the task before it is done');

    for (const event of events) {
      const cap = taskCostCap(event);
      assert.ok(cap.used <= maxTaskCost + 1e-12, `event ${event.seq} commits ${cap.used} against a cap of ${maxTaskCost}`);
      assert.ok(Math.abs(cap.spent + cap.reserved - cap.used) < 1e-12);
    }
    const busiest = events.reduce((most, e) => (e.batches.filter((b) => b.place === 'remote').length > most.batches.filter((b) => b.place === 'remote').length ? e : most));
    const inFlight = busiest.batches.filter((b) => b.place === 'remote');
    assert.ok(inFlight.length >= 3, `several batches were in flight at once (at most ${inFlight.length})`);
    const reserved = taskCostCap(busiest).reserved;
    assert.ok(Math.abs(reserved - inFlight.reduce((sum, b) => sum + b.estimatedCost, 0)) < 1e-12, 'what is in flight is reserved at its estimate');

    const predicted = inFlight[0]?.estimatedCost ?? 0;
    const state = loadTaskStateAt(tmp.dir);
    const succeeded = Object.keys(state?.succeeded_samples ?? {}).length;
    assert.ok(succeeded > Math.floor(maxTaskCost / predicted) * 10, `reconciling with the true costs let more through than the predictions alone would (${succeeded} samples)`);

    const requester = readRequesterState(tmp.dir);
    const trueCost = requester.metrics.all.total.true_cost;
    assert.ok(trueCost <= maxTaskCost, `the true spend ${trueCost} stays within the cap`);
    const last = taskCostCap(events.at(-1) as TaskEvent);
    assert.equal(last.reserved, 0, 'nothing is in flight at the end');
    assert.ok(Math.abs(last.spent - trueCost) < 1e-9, `once processed, the cap counts the true cost (${last.spent} vs ${trueCost})`);

    const log = h.logger.text();
    assert.match(log, /Reconciled the spend of batch \d+: 0\.00\d true cost in place of 0\.00\d reserved/);
    assert.match(log, /Reasons encountered not to push certain batches right now: .*Max task cost/);
    assert.match(log, /Spend against the cost caps: .*max_task_cost 0\.011: 0\.0\d\d spent \+ 0\.0\d\d reserved in flight, 0\.0\d\d remaining/);
  });
});
