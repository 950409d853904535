import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { TokenEstimator, validateJson, type JsonSchema } from '../../../src/engine';
import { batchLine, readJsonl, startHarness, uploadJsonl, waitForBatch, type SimHarness } from '../../support/sim/simHelpers';

const schema: JsonSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, rank: { type: 'integer' } },
  required: ['city', 'rank'],
  additionalProperties: false,
};
const responsesBody = (topic: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  input: [
    { role: 'developer', content: 'Name a city.' },
    { role: 'user', content: `About ${topic}` },
  ],
  text: { format: { type: 'json_schema', name: 'City', schema, strict: true } },
  max_output_tokens: 100,
  ...extra,
});
const estimator = new TokenEstimator({ warn: 'never' });

async function runBatch(h: SimHarness, endpoint: '/v1/responses' | '/v1/embeddings', bodies: Record<string, unknown>[]) {
  const fileId = await uploadJsonl(h.client, bodies.map((body, i) => batchLine(`r-${i}`, body, endpoint)));
  const created = await h.client.batches.create({ input_file_id: fileId, endpoint, completion_window: '24h' });
  const batch = await waitForBatch(h.client, created.id);
  assert.equal(batch.status, 'completed', JSON.stringify(batch.errors));
  return { batch, lines: await readJsonl(h.client, batch.output_file_id as string) };
}

describe('simulator Responses and Embeddings endpoints', () => {
  let h: SimHarness;
  afterEach(async () => {
    await h.sim.close();
  });

  it('answers a direct Responses call with schema-valid output text and the usage the estimator predicts', async () => {
    h = await startHarness();
    const body = responsesBody('rivers');
    const response = await h.client.responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    assert.equal(response.object, 'response');
    assert.equal(response.status, 'completed');
    assert.deepEqual(validateJson(schema, JSON.parse(response.output_text)), []);
    assert.equal(response.usage?.input_tokens, estimator.estimateInput(body, '/v1/responses').total);
    assert.equal(response.usage?.total_tokens, (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0));
  });

  it('marks a Responses answer cut by max_output_tokens incomplete and refuses limits the API refuses', async () => {
    h = await startHarness();
    const cut = await h.client.responses.create({ model: 'gpt-4o-mini', input: 'Tell me a long story about a lighthouse keeper', max_output_tokens: 16 });
    assert.equal(cut.status, 'incomplete');
    assert.deepEqual(cut.incomplete_details, { reason: 'max_output_tokens' });
    assert.ok((cut.usage?.output_tokens ?? 0) <= 16);
    await assert.rejects(h.client.responses.create({ model: 'gpt-4o-mini', input: 'Hi', max_output_tokens: 4 }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.param, 'max_output_tokens');
      return true;
    });
  });

  it('embeds the same text to the same unit vector directly (base64 through the client) and in a batch (floats)', async () => {
    h = await startHarness();
    const direct = await h.client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 16 });
    assert.equal(direct.data.length, 2);
    assert.equal(direct.usage.prompt_tokens, estimator.estimateInput({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] }, '/v1/embeddings').total);
    const vector = direct.data[0]?.embedding ?? [];
    assert.equal(vector.length, 16);
    assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
    assert.notDeepEqual(direct.data[1]?.embedding, vector);

    const { lines } = await runBatch(h, '/v1/embeddings', [{ model: 'text-embedding-3-small', input: 'alpha', dimensions: 16 }]);
    const body = (lines[0]?.response as { body: { data: { embedding: number[] }[] } }).body;
    assert.deepEqual(body.data[0]?.embedding, vector);
  });

  it('runs Responses batches with batch usage summed from the lines', async () => {
    h = await startHarness();
    const bodies = ['seas', 'hills', 'plains'].map((topic) => responsesBody(topic));
    const { batch, lines } = await runBatch(h, '/v1/responses', bodies);
    assert.equal(lines.length, 3);
    let input = 0;
    for (const line of lines) {
      const response = (line.response as { status_code: number; body: { object: string; usage: { input_tokens: number }; output: { type: string; content?: { text: string }[] }[] } });
      assert.equal(response.status_code, 200);
      assert.equal(response.body.object, 'response');
      const text = response.body.output.find((item) => item.type === 'message')?.content?.[0]?.text ?? '';
      assert.deepEqual(validateJson(schema, JSON.parse(text)), []);
      input += response.body.usage.input_tokens;
    }
    assert.equal((batch as unknown as { usage: { input_tokens: number } }).usage.input_tokens, input);
  });

  it('answers a batch line that is invalid for its endpoint with a 400 naming the parameter', async () => {
    h = await startHarness();
    const fileId = await uploadJsonl(h.client, [batchLine('r-0', { model: 'text-embedding-3-small', input: [] }, '/v1/embeddings')]);
    const created = await h.client.batches.create({ input_file_id: fileId, endpoint: '/v1/embeddings', completion_window: '24h' });
    const batch = await waitForBatch(h.client, created.id);
    const errors = await readJsonl(h.client, batch.error_file_id as string);
    const body = (errors[0]?.response as { status_code: number; body: { error: { param: string } } });
    assert.equal(body.status_code, 400);
    assert.equal(body.body.error.param, 'input');
  });

  it('fails an embeddings batch with more than 50,000 inputs across its lines, and runs one with 50,000', async () => {
    h = await startHarness();
    const inputs = Array.from({ length: 2000 }, (_, i) => `w${i}`);
    const linesOf = (count: number) => Array.from({ length: count }, (_, i) => batchLine(`e-${i}`, { model: 'text-embedding-3-small', input: inputs, dimensions: 2 }, '/v1/embeddings'));
    const tooMany = await h.client.batches.create({ input_file_id: await uploadJsonl(h.client, linesOf(26)), endpoint: '/v1/embeddings', completion_window: '24h' });
    const failed = await waitForBatch(h.client, tooMany.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.errors?.data?.[0]?.code, 'too_many_inputs');
    assert.match(failed.errors?.data?.[0]?.message ?? '', /52000 embedding inputs, more than the 50000/);
    const fits = await h.client.batches.create({ input_file_id: await uploadJsonl(h.client, linesOf(25)), endpoint: '/v1/embeddings', completion_window: '24h' });
    assert.equal((await waitForBatch(h.client, fits.id)).status, 'completed');
  });
});
