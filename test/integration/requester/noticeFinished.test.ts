import assert from 'node:assert/strict';
import { finalizingPollSeconds, maxShortPolls } from '../../../src/engine/requester/pollCadence';
import { waitForBatches } from '../../../src/engine/requester/polling';
import { processBatches } from '../../../src/engine/requester/processing';
import { pushBatches } from '../../../src/engine/requester/pushing';
import { addAndCommit, RequesterHarness } from '../../support/engine/requesterHarness';
import { VirtualClock, VirtualTimeGate } from '../../support/engine/virtualTime';

// The simulator and the requester share a virtual clock that only the requester's sleeps move, so each case sees
// exactly the polls its cadence asks for, however long the batch and however busy the machine.
describe('a finished batch is processed within 2 s of its completion (virtual time)', function () {
  this.timeout(60_000);
  let h: RequesterHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const [batchSeconds, interval] of [
    [8, 10],
    [90, 10],
    [1800, 10],
    [1800, 60],
    [7200, 600],
  ] as const) {
    it(`a ${batchSeconds} s batch with remote_update_interval ${interval}`, async () => {
      const clock = new VirtualClock(1_800_000_000_000);
      h = await RequesterHarness.start({ batchSeconds, clock: clock.now });
      const gate = new VirtualTimeGate(clock);
      const { requester } = await h.open({ options: { remote_update_interval: interval }, clock: clock.now, gate });
      await addAndCommit(requester, 20);
      await requester.batchRequests(true);
      await pushBatches(requester);
      const createdAt = requester.state.batches[0]?.remote?.batch.created_at ?? 0;
      // The clock stood still while the batch was pushed, so it was created at a whole second and ends exactly then.
      assert.equal(createdAt * 1000, clock.now());
      const completesAt = (createdAt + batchSeconds) * 1000;

      await waitForBatches(requester);
      let processedAt: number | undefined;
      await processBatches(requester, async () => {
        processedAt = clock.now();
      });
      assert.ok(processedAt !== undefined, 'the batch was processed');
      const late = processedAt - completesAt;
      const polls = gate.sleeps.length;
      assert.ok(late >= 0 && late <= 2000, `processed ${late} ms after the batch completed (after ${polls} polls: ${gate.sleeps.slice(-8).join(', ')} ms …)`);
      assert.ok(polls <= batchSeconds / finalizingPollSeconds + maxShortPolls + 10, `${polls} polls for a ${batchSeconds} s batch: no hammering`);
    });
  }
});
