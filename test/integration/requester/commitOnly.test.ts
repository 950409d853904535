import assert from 'node:assert/strict';
import { CharCodesTask } from '../../../src/demos/charCodes/charCodesTask';
import { closingLine } from '../../../src/cli/closingLine';
import { readTaskSnapshot } from '../../../src/host/readTaskSnapshot';
import { wholeTaskEstimate } from '../../../src/shared/committedTask';
import { resolveOptions, type RequesterOptions } from '../../../src/shared/options';
import { useTempDir } from '../../support/store/tempDir';
import { readRequesterState, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { charCodesMeta } from '../../support/taskManager/demoTasks';

describe('commit_only: the whole task committed and estimated before any push (char_codes demo against the simulator)', function () {
  this.timeout(120_000);
  const tmp = useTempDir('commit-only');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const task = (requester: Partial<RequesterOptions>) => new CharCodesTask(h.init(tmp.dir, { prefix: 'char_codes', initMeta: charCodesMeta, requester }));
  const snapshot = (requester: Partial<RequesterOptions> = {}) => readTaskSnapshot({ name: 'char_codes', taskDir: tmp.dir, prefix: 'char_codes' }, { ...resolveOptions([]).requester, ...requester });
  /** The snapshot's estimate is the run's, but for the order in which they sum. */
  const assertSameEstimate = (snapshotEstimate: number, runEstimate: number) =>
    assert.ok(runEstimate > 0 && Math.abs(snapshotEstimate - runEstimate) < 1e-9, `the snapshot estimates ${snapshotEstimate}, the run ${runEstimate}`);

  it('commits every request, sends none, and reports what the whole task is estimated at; the next run pushes exactly those', async () => {
    let queuedCost: number | undefined;
    const held = new CharCodesTask({
      ...h.init(tmp.dir, { prefix: 'char_codes', initMeta: charCodesMeta, requester: { commit_only: true } }),
      events: (event) => (queuedCost = event.cost.queued),
    });
    assert.equal(await held.run(), false);
    const end = held.runEnd;
    assert.ok(end.kind === 'committed', JSON.stringify(end));
    assert.equal(end.committed.requests, 1140);
    assert.equal(end.committed.spentCost, 0);
    assert.equal(end.committed.pilotForecast, undefined);
    assert.deepEqual(h.sim.stats().routes, {}, 'nothing reached the API');
    const committed = await snapshot();
    assert.equal(committed.queuedRequests, 1140);
    assert.deepEqual(committed.batches, []);
    assert.ok(end.committed.estimatedCost > 0 && end.committed.estimatedCost === queuedCost, `${end.committed.estimatedCost} against the live ${queuedCost}`);
    assertSameEstimate(committed.queuedEstimate, end.committed.estimatedCost);
    assert.equal(committed.estimate.queue, committed.queuedEstimate);
    assert.match(h.logger.text(), /Whole task committed: 1140 requests to send, estimated at [0-9.]+ in total; stopping before any batch is formed or pushed/);
    assert.match(closingLine('char_codes', tmp.dir, end), /^Task 'char_codes' is committed and nothing was pushed: 1140 requests to send, [0-9.]+ in total; run without --commit_only/);

    // Run again: the committed requests are pushed as they are, none generated a second time.
    assert.equal(await task({}).run(), true);
    const batched = h.sim.stats().batchCustomIds;
    assert.equal(Object.keys(batched).length, 1140);
    assert.ok(Object.values(batched).every((n) => n === 1));
    const trueCost = readRequesterState(tmp.dir, 'char_codes').metrics.all.total.true_cost;
    assert.ok(trueCost > 0 && trueCost <= wholeTaskEstimate(end.committed), `true cost ${trueCost}, estimated ${wholeTaskEstimate(end.committed)}`);
  });

  it('with --pilot sends only the pilot, whose forecast and cost come with the estimate', async () => {
    const held = task({ commit_only: true, pilot: 24 });
    assert.equal(await held.run(), false);
    const end = held.runEnd;
    assert.ok(end.kind === 'committed', JSON.stringify(end));
    const stats = h.sim.stats();
    assert.equal(Object.keys(stats.directRequestIdsAnswered).length, 24);
    assert.equal(stats.routes['POST /v1/batches'], undefined, 'no batch was pushed');
    assert.equal(end.committed.requests, 1140 - 24);
    assert.equal(end.committed.pilotForecast?.pilotRequests, 24);
    assert.ok(end.committed.spentCost > 0);
    assert.ok(Math.abs(end.committed.spentCost - (end.committed.pilotForecast?.pilotCost ?? 0)) < 1e-9, 'the pilot is all that was spent');
    assert.equal((await snapshot()).samples.succeeded, 24, 'the pilot answers are results');
    assert.match(h.logger.text(), /Whole task committed: 1116 requests to send, estimated at [0-9.]+ plus [0-9.]+ spent: [0-9.]+ in total;/);

    assert.equal(await task({}).run(), true);
    const after = h.sim.stats();
    assert.equal(Object.keys(after.batchCustomIds).length, 1140 - 24);
    assert.deepEqual(Object.keys(after.directRequestIdsAnswered).filter((id) => id in after.batchCustomIds), [], 'no pilot request is pushed again');
  });

  it('leaves batches formed by an earlier run unpushed', async () => {
    assert.equal(await task({ max_task_cost: 0.01, max_batch_requests: 100 }).run(), false);
    const formed = await snapshot();
    const local = formed.batches.filter((b) => b.place === 'local').length;
    assert.ok(local > 0 && formed.batches.every((b) => b.place !== 'remote'), JSON.stringify(formed.batches.map((b) => b.place)));
    const routes = h.sim.stats().routes;
    const held = task({ commit_only: true, max_batch_requests: 100 });
    assert.equal(await held.run(), false);
    assert.ok(held.runEnd.kind === 'committed' && held.runEnd.committed.requests === 1140 - formed.samples.succeeded, JSON.stringify(held.runEnd));
    assert.deepEqual(h.sim.stats().routes, routes, 'nothing reached the API');
    const after = await snapshot();
    assert.deepEqual(after.batches.map((b) => b.place), formed.batches.map((b) => b.place));
    assert.ok(after.estimate.local > 0 && after.estimate.queue > 0, JSON.stringify(after.estimate));
    assertSameEstimate(after.queuedEstimate, held.runEnd.committed.estimatedCost);
  });

  it('with --pilot_update_ratio, is estimated with the ratio the pilot measured, by the run and by a reader given the option', async () => {
    const held = task({ commit_only: true, pilot: 24, pilot_update_ratio: true });
    assert.equal(await held.run(), false);
    const end = held.runEnd;
    assert.ok(end.kind === 'committed' && end.committed.pilotForecast?.ratioApplied, JSON.stringify(end));
    const measured = await snapshot({ pilot_update_ratio: true });
    assertSameEstimate(measured.queuedEstimate, end.committed.estimatedCost);
    assert.equal(measured.pilotsCost, end.committed.spentCost);
    const assumed = await snapshot();
    assert.notEqual(assumed.queuedEstimate, measured.queuedEstimate, 'the assumed ratio gives the same estimate; the test shows nothing');
  });
});
