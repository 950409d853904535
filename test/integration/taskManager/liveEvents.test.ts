import assert from 'node:assert/strict';
import type { TaskEvent } from '../../../src/shared/taskEvent';
import { FewCharsTask, charCodesMeta } from '../../support/taskManager/demoTasks';
import { startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { useTempDir } from '../../support/store/tempDir';

const chars = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij'];

describe('live task events', function () {
  this.timeout(60_000);
  const temp = useTempDir('live-events');
  let h: TaskHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('report remote request counts rising while a batch runs, then the processed results, costs and caps', async () => {
    // The batch runs for 4 s; the engine polls about every half second, and every poll that moved the counts is reported.
    h = await startTaskHarness({ batchSeconds: 4 });
    const dir = temp.dir;
    const events: TaskEvent[] = [];
    const init = h.init(dir, { initMeta: charCodesMeta, requester: { remote_update_interval: 0.5, max_session_cost: 3, min_batch_requests: 10 } });
    const task = new FewCharsTask({ ...init, events: (event) => events.push(structuredClone(event)) }, chars);
    assert.equal(await task.run(), true);

    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
      'events count up by one',
    );
    const remote = events.map((e) => e.batches.find((b) => b.place === 'remote')).filter((b) => b !== undefined);
    const partial = remote.filter((b) => b.status === 'in_progress' && (b.completed ?? 0) > 0 && (b.completed ?? 0) < b.numRequests);
    assert.ok(partial.length >= 2, `expected rising partial counts while the batch ran, saw ${JSON.stringify(remote.map((b) => [b.status, b.completed]))}`);
    const completedCounts = partial.map((b) => b.completed ?? 0);
    assert.deepEqual(completedCounts, [...completedCounts].sort((a, b) => a - b), 'the completed count never goes back');
    assert.ok(completedCounts.at(-1)! > completedCounts[0]!, 'the completed count rose between polls');

    const last = events.at(-1) as TaskEvent;
    assert.deepEqual(last.samples, { committed: chars.length, succeeded: chars.length, failed: 0, pending: 0 });
    assert.deepEqual(last.batches, []);
    assert.equal(last.processedBatches, 1);
    assert.ok(last.cost.task > 0 && last.cost.session === last.cost.task, 'a fresh task spent all of its cost in this run');
    const sessionCap = last.caps.find((c) => c.option === 'max_session_cost');
    assert.equal(sessionCap?.limit, 3);
    assert.ok((sessionCap?.used ?? 0) > 0, 'the pushed batch counts against the session cap');
    const firstPartial = events.findIndex((e) => e.batches.some((b) => b.status === 'in_progress' && (b.completed ?? 0) > 0));
    assert.ok(events.slice(0, firstPartial).every((e) => e.samples.pending === chars.length || e.samples.committed === 0), 'no sample finished before the batch ran');
  });

  it('never fails the run when the host cannot take an event', async () => {
    h = await startTaskHarness();
    const init = h.init(temp.dir, { initMeta: charCodesMeta });
    const task = new FewCharsTask(
      {
        ...init,
        events: () => {
          throw new Error('display gone');
        },
      },
      ['A', 'B'],
    );
    assert.equal(await task.run(), true);
    assert.equal(h.logger.text().match(/Cannot report the task's progress/g)?.length, 1, 'the failure is logged once');
  });
});
