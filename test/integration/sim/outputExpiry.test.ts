import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { batchLine, chatBody, startHarness, uploadJsonl, waitForBatch, type SimHarness } from '../../support/sim/simHelpers';

describe('simulator output_expires_after', () => {
  let h: SimHarness;
  afterEach(async () => {
    await h.sim.close();
  });

  it('keeps the output file of a batch created with output_expires_after for that long, and rejects an out-of-range value naming it', async () => {
    h = await startHarness({ batchSeconds: 0.3 });
    const input = await uploadJsonl(h.client, [batchLine('id-0', chatBody('Hello'))]);
    const created = await h.client.batches.create({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h', output_expires_after: { anchor: 'created_at', seconds: 7200 } });
    const batch = await waitForBatch(h.client, created.id);
    const output = await h.client.files.retrieve(batch.output_file_id ?? '');
    assert.equal((output.expires_at ?? 0) - output.created_at, 7200);
    const defaulted = await h.client.files.retrieve(input);
    assert.equal((defaulted.expires_at ?? 0) - defaulted.created_at, 30 * 86_400);

    await assert.rejects(
      h.client.batches.create({ input_file_id: input, endpoint: '/v1/chat/completions', completion_window: '24h', output_expires_after: { anchor: 'created_at', seconds: 60 } }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /output_expires_after\.seconds.*between 3600 and 2592000/.test(error.message),
    );
  });
});
