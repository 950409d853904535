import assert from 'node:assert/strict';
import fs from 'node:fs';
import { processUnpushableBatches } from '../../../src/engine/requester/unpushableBatches';
import { processBatches } from '../../../src/engine/requester/processing';
import { pushBatches } from '../../../src/engine/requester/pushing';
import { wipeRequests } from '../../../src/engine/requester/wipes';
import { addAndCommit, pushAllBatches, recordingHandler, RequesterHarness, waitForAllBatches } from '../../support/engine/requesterHarness';

const batchFiles = (h: RequesterHarness) => h.names().filter((name) => /^P_batch\d+_/.test(name));

describe('requester dry run, wipes and only-process (engine.md §12 scenarios 33–35, 41)', function () {
  this.timeout(60_000);
  let h: RequesterHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('33: a dry run neither downloads finished batches nor writes any file, and logs [DRYRUN]', async () => {
    h = await RequesterHarness.start();
    const first = await h.open();
    await addAndCommit(first.requester, 3);
    await first.requester.batchRequests(true);
    await pushBatches(first.requester);
    await waitForAllBatches(first.requester);
    h.sim.resetStats();
    const before = h.snapshot();

    const dry = await h.open({ options: { dryrun: true } });
    const { handler, results } = recordingHandler();
    await processBatches(dry.requester, handler);
    assert.equal(results.length, 0);
    assert.match(h.logger.text(), /\[DRYRUN\] Not processing finished batch 1/);
    await addAndCommit(dry.requester, 2, 'dry');
    await dry.requester.batchRequests(true);
    await pushBatches(dry.requester);
    assert.match(h.logger.text(), /\[DRYRUN\] Did not save/);
    assert.deepEqual(h.snapshot(), before);
    assert.deepEqual(h.sim.stats().routes, {});
  });

  it('33 (fix of engine.md §11.8): a dry run executes a batch it formed in memory, with empty results and no API call', async () => {
    h = await RequesterHarness.start();
    await h.open();
    const before = h.snapshot();
    const { requester } = await h.open({ options: { dryrun: true, min_batch_requests: 101 } });
    await addAndCommit(requester, 2);
    await requester.batchRequests(true);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.equal(results[0]?.stats.num_empty, 2);
    assert.equal(h.sim.stats().chatCompletionCalls, 0);
    assert.deepEqual(h.snapshot(), before);
  });

  it('34: wipe_requests cancels the unfinished remote batch, deletes every remote and local batch file, empties the queue and keeps IDs and history', async () => {
    h = await RequesterHarness.start({ batchSeconds: 3 });
    const { requester } = await h.open({ options: { min_batch_requests: 3 } });
    await addAndCommit(requester, 2, 'direct');
    await requester.batchRequests(true);
    await processUnpushableBatches(requester, recordingHandler().handler);
    assert.equal(h.history().length, 1);

    await addAndCommit(requester, 3, 'finished');
    await requester.batchRequests(true);
    await pushBatches(requester);
    await waitForAllBatches(requester);
    await addAndCommit(requester, 3, 'running');
    await requester.batchRequests(true);
    await pushBatches(requester);
    await addAndCommit(requester, 3, 'local');
    await requester.batchRequests(true);
    await addAndCommit(requester, 1, 'queued');
    assert.equal(batchFiles(h).length, 3);
    const maxRequestId = requester.state.max_request_id;
    h.sim.resetStats();

    await wipeRequests(requester, false);
    const routes = h.sim.stats().routes;
    assert.equal(routes['POST /v1/batches/{id}/cancel'], 1);
    assert.equal(routes['DELETE /v1/files/{id}'], 3, 'the finished batch input and output and the running batch input');
    assert.deepEqual(batchFiles(h), []);
    assert.deepEqual(h.queuedIds(), []);
    const state = h.state();
    assert.deepEqual(state.batches, []);
    assert.equal(state.max_request_id, maxRequestId);
    assert.equal(h.history().length, 1);
    assert.equal(requester.addRequest({ payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'next' }] } }).id, maxRequestId + 1);
  });

  it('35: wipe_task starts the state afresh: zero counters, no history, and the next request gets ID 1', async () => {
    h = await RequesterHarness.start();
    const { requester } = await h.open({ options: { force_direct: true } });
    await addAndCommit(requester, 3);
    await requester.batchRequests(true);
    await processUnpushableBatches(requester, recordingHandler().handler);
    await addAndCommit(requester, 2, 'queued');
    await wipeRequests(requester, true);
    const state = h.state();
    assert.equal(state.max_request_id, 0);
    assert.equal(state.max_direct_batch_id, 0);
    assert.equal(state.task_push_stats.total_requests, 0);
    assert.deepEqual(h.history(), []);
    const reopened = await h.open();
    assert.equal(reopened.requester.addRequest({ payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] } }).id, 1);
  });

  it('41: only_process waits for and processes both remote batches, forms and pushes nothing, and queues the retries', async () => {
    h = await RequesterHarness.start();
    h.sim.setFaults({ lineErrorRate: 1, lineErrorStatus: 429 });
    const first = await h.open({ options: { max_batch_requests: 1 } });
    await addAndCommit(first.requester, 2);
    await first.requester.batchRequests(true);
    await pushAllBatches(first.requester);
    assert.equal(first.requester.remoteBatches.length, 2);

    const { requester } = await h.open({ options: { only_process: true, max_batch_requests: 1, max_pass_failures: 5 } });
    await addAndCommit(requester, 1, 'new');
    assert.equal(await requester.batchRequests(true), 0);
    assert.equal(await pushBatches(requester), true);
    await waitForAllBatches(requester);
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    assert.equal(results.length, 2);
    assert.equal(h.sim.stats().routes['POST /v1/batches'], 2);
    assert.deepEqual([...requester.queue.iterate()].map((q) => [q.meta, q.retry_num]), [[{ name: 'new0' }, 0], [{ name: 'r0' }, 1], [{ name: 'r1' }, 1]]);
    assert.match(h.logger.text(), /Only-process mode => Not forming any new local batches/);
  });
});
