import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { EngineError } from '../../../src/shared/errors';
import { shortPollSeconds } from '../../../src/engine/requester/pollCadence';
import { maxNotFoundPolls, updateRemoteBatches, waitForBatches, type PollSaveClock } from '../../../src/engine/requester/polling';
import { pushBatches } from '../../../src/engine/requester/pushing';
import { addAndCommit, RequesterHarness } from '../../support/engine/requesterHarness';
import { waitForBatch } from '../../support/sim/simHelpers';

const statusGets = (h: RequesterHarness) => h.sim.stats().routes['GET /v1/batches/{id}'] ?? 0;

describe('requester polling (engine.md §12 scenario 13, fast first polls)', function () {
  this.timeout(60_000);
  let h: RequesterHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('13: status changes are logged and saved (the first at once, later ones throttled, a finish always); a finished batch is not polled again', async () => {
    h = await RequesterHarness.start({ batchSeconds: 6 });
    const { requester, client } = await h.open();
    await addAndCommit(requester, 10);
    await requester.batchRequests(true);
    await pushBatches(requester);
    const batch = requester.state.batches[0];
    const remoteId = batch?.remote?.batch.id ?? '';
    const clock: PollSaveClock = { lastSave: undefined };

    await waitForBatch(client, remoteId, (b) => b.status === 'in_progress');
    assert.equal(await updateRemoteBatches(requester, clock, true), 1);
    assert.match(h.logger.text(), /Detected change of remote batch status\(es\) to: in_progress \(batch\(es\) 1\)/);
    const firstSave = JSON.stringify(h.state());
    assert.equal(h.state().batches[0]?.remote?.batch.status, 'in_progress');

    const seen = JSON.stringify(batch?.remote?.batch);
    await waitForBatch(client, remoteId, (b) => JSON.stringify(b) !== seen);
    assert.equal(await updateRemoteBatches(requester, clock, true), 1);
    assert.equal(batch?.remote?.finished, false, 'the batch runs for 6 s, long after its first progress');
    assert.equal(JSON.stringify(h.state()), firstSave, 'a second change within wait_save_interval is not saved');

    await waitForBatch(client, remoteId);
    assert.equal(await updateRemoteBatches(requester, clock, true), 1);
    // Ours: a batch that finished is saved at once, whatever wait_save_interval says.
    assert.equal(h.state().batches[0]?.remote?.batch.status, 'completed');
    assert.equal(h.state().batches[0]?.remote?.finished, true);
    assert.match(h.logger.text(), /Detected change of remote batch status\(es\) to: completed \(batch\(es\) 1\)/);

    const gets = statusGets(h);
    const frozen = JSON.stringify(h.state());
    assert.equal(await updateRemoteBatches(requester, clock, true), 0);
    assert.equal(statusGets(h), gets, 'a finished batch is never retrieved again');
    assert.equal(JSON.stringify(h.state()), frozen);
  });

  it('notices a short batch at once instead of after remote_update_interval (polling starts fast)', async function () {
    this.timeout(20_000);
    h = await RequesterHarness.start({ batchSeconds: 0.3 });
    // With a 60 s interval and a 20 s test timeout, only fast first polls can see the batch finish in time.
    const { requester } = await h.open({ options: { remote_update_interval: 60 } });
    await addAndCommit(requester, 2);
    await requester.batchRequests(true);
    await pushBatches(requester);
    await waitForBatches(requester);
    assert.equal(requester.finishedRemoteBatches.length, 1);
    assert.match(h.logger.text(), /Waited \d+s and \d+ status updates until 1 batch\(es\) finished/);
  });

  it('closes in on a batch\'s expected end: the poll that sees it completed follows a short one, not the back-off', async () => {
    // 8 s: validating 0.8 s, in_progress 6.4 s at a steady pace, finalizing 0.8 s. The back-off alone (0.5 s, then
    // 1.5 times longer each poll) would wait 3.8 s after its poll at 6.6 s, seeing the batch 2.4 s after it finished.
    h = await RequesterHarness.start({ batchSeconds: 8 });
    const { requester } = await h.open({ options: { remote_update_interval: 60 } });
    await addAndCommit(requester, 20);
    await requester.batchRequests(true);
    await pushBatches(requester);
    await waitForBatches(requester);
    assert.equal(requester.finishedRemoteBatches.length, 1);

    const messages = h.logger.records.map((r) => r.message);
    const completedAt = messages.findIndex((m) => /Detected change of remote batch status\(es\) to: completed/.test(m));
    assert.ok(completedAt > 0, 'the completion is logged');
    const scheduled = messages.slice(0, completedAt).filter((m) => m.startsWith('Next status poll in '));
    const delay = (m: string) => Number(/^Next status poll in ([0-9.]+) s/.exec(m)?.[1]);
    const last = scheduled[scheduled.length - 1] ?? '';
    assert.ok(delay(last) <= shortPollSeconds, `the poll before the completion was short: ${last}`);
    assert.match(last, /remote batch batch_\w+ expected to finish/);
    assert.ok(scheduled.some((m) => /expected to finish in [1-9]/.test(m) && delay(m) > shortPollSeconds), `polls are spaced while the end is far: ${scheduled.join(' | ')}`);
    assert.ok(statusGets(h) <= 2 + scheduled.length && scheduled.length <= 12, `no hammering: ${scheduled.length} polls scheduled for an 8 s batch`);
  });

  it('a remote batch answering 404 ends the wait after five polls in a row, naming both ids; forgetting it queues its requests again', async () => {
    h = await RequesterHarness.start({ batchSeconds: 60 });
    let retrieves = 0;
    const { requester } = await h.open({
      wrapClient: (client) => {
        // As for a batch deleted on the provider's side, or pushed under another project's key.
        client.batches.retrieve = (() => {
          retrieves += 1;
          return Promise.reject(OpenAI.APIError.generate(404, { message: 'No batch found' }, 'No batch found', new Headers()));
        }) as unknown as typeof client.batches.retrieve;
        return client;
      },
    });
    await addAndCommit(requester, 3);
    await requester.batchRequests(true);
    await pushBatches(requester);
    const remoteId = requester.state.batches[0]?.remote?.batch.id ?? '';
    await assert.rejects(
      waitForBatches(requester),
      (error: unknown) =>
        EngineError.is(error, 'api') &&
        error.message.includes(`Remote batch '${remoteId}' of batch 1 is unknown to the provider: 5 status polls in a row answered 404`) &&
        error.message.includes('--forget_remote_batch 1'),
    );
    assert.equal(retrieves, maxNotFoundPolls);

    const forgetting = await h.open({ flags: { forget_remote_batch: 1 } });
    assert.deepEqual(forgetting.requester.state.batches, []);
    assert.deepEqual(h.queuedIds(), [1, 2, 3]);
    assert.equal(forgetting.requester.queue.length, 3);
    assert.equal(forgetting.requester.state.task_push_stats.total_requests, 0, 'the forgotten push is no longer counted against the caps');
    assert.equal(forgetting.requester.state.task_push_stats.total_tokens_cost.cost_output_batch, 0);
    assert.match(h.logger.text(), new RegExp(`Forgot remote batch '${remoteId}' of batch 1: its 3 requests are queued again`));
    assert.match((await forgetting.client.batches.retrieve(remoteId)).status, /^cancell(ing|ed)$/, 'a batch the provider still has is cancelled');
  });
});
