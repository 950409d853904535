import assert from 'node:assert/strict';
import { pushBatches } from '../../../src/engine/requester/pushing';
import { addAndCommit, RequesterHarness, waitForAllBatches } from '../../support/engine/requesterHarness';

describe('pushed batches carry output_expires_after', function () {
  this.timeout(60_000);
  let h: RequesterHarness;
  beforeEach(async () => {
    h = await RequesterHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('a batch pushed with output_expires_after 2 days gets output files the provider keeps 2 days', async () => {
    const { requester, client } = await h.open({ options: { output_expires_after: 2 } });
    await addAndCommit(requester, 3);
    await requester.batchRequests(true);
    await pushBatches(requester);
    await waitForAllBatches(requester);
    const remoteId = requester.state.batches[0]?.remote?.batch.id ?? '';
    const batch = await client.batches.retrieve(remoteId);
    const output = await client.files.retrieve(batch.output_file_id ?? '');
    assert.equal((output.expires_at ?? 0) - output.created_at, 2 * 86_400);
  });
});
