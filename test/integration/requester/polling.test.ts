import assert from 'node:assert/strict';
import { updateRemoteBatches, waitForBatches, type PollSaveClock } from '../../../src/engine/requester/polling';
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
});
