import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { anthropicProvider } from '../../../src/engine/providers/anthropicProvider';
import { startSimulator, type Simulator } from '../../../src/sim/simulator';

const params = (text: string) => ({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user' as const, content: text }] });

/** Polls until the batch ended; the simulator's batches end within a second. */
async function ended(client: Anthropic, id: string): Promise<Anthropic.Messages.MessageBatch> {
  for (let polls = 0; polls < 200; polls += 1) {
    const batch = await client.messages.batches.retrieve(id);
    if (batch.processing_status === 'ended') return batch;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`batch ${id} did not end`);
}

describe("the simulator speaks Anthropic's API (through @anthropic-ai/sdk)", function () {
  this.timeout(30_000);
  let sim: Simulator;
  let client: Anthropic;
  beforeEach(async () => {
    sim = await startSimulator({ batchSeconds: 0.2 });
    client = new Anthropic({ apiKey: 'sim', baseURL: sim.baseUrl.replace(/\/v1$/, ''), maxRetries: 0 });
  });
  afterEach(() => sim.close());

  it('answers a message directly, and a Message Batch with a results line per request once ended', async () => {
    const message = await client.messages.create(params('Hello'));
    assert.equal(message.type, 'message');
    assert.equal(message.stop_reason, 'end_turn');
    assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);

    const created = await client.messages.batches.create({ requests: ['a', 'b', 'c'].map((id) => ({ custom_id: `id-${id}`, params: params(id) })) });
    assert.equal(created.processing_status, 'in_progress');
    const done = await ended(client, created.id);
    assert.deepEqual(done.request_counts, { processing: 0, succeeded: 3, errored: 0, canceled: 0, expired: 0 });
    const results: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
    for await (const item of await client.messages.batches.results(created.id)) results.push(item);
    assert.deepEqual(results.map((r) => r.custom_id).sort(), ['id-a', 'id-b', 'id-c']);
    assert.ok(results.every((r) => r.result.type === 'succeeded' && r.result.message.type === 'message'));
    await client.messages.batches.delete(created.id);
    await assert.rejects(client.messages.batches.retrieve(created.id), (e: unknown) => e instanceof Anthropic.NotFoundError);
  });

  it("reports its rate limits in Anthropic's headers (reset as an RFC 3339 time) and refuses calls over them with 429", async () => {
    sim.setFaults({ requestsPerMinute: 2 });
    const first = await client.messages.create(params('one')).withResponse();
    const headers = first.response.headers;
    assert.equal(headers.get('anthropic-ratelimit-requests-limit'), '2');
    assert.equal(headers.get('anthropic-ratelimit-requests-remaining'), '1');
    const reset = Date.parse(headers.get('anthropic-ratelimit-requests-reset') ?? '');
    assert.ok(reset > Date.now() && reset <= Date.now() + 31_000, `reset ${headers.get('anthropic-ratelimit-requests-reset')}`);
    assert.ok(headers.get('anthropic-ratelimit-tokens-remaining'));
    await client.messages.create(params('two'));
    await assert.rejects(client.messages.create(params('three')), (e: unknown) => e instanceof Anthropic.RateLimitError && Number(e.headers?.get('retry-after')) > 0);
  });

  it("answers errors in Anthropic's shape, and asks for a key and the anthropic-version header", async () => {
    await assert.rejects(client.messages.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] } as never), (e: unknown) => e instanceof Anthropic.BadRequestError && (e.error as { error: { type: string } }).error.type === 'invalid_request_error');
    const root = sim.baseUrl.replace(/\/v1$/, '');
    const noKey = await fetch(`${root}/v1/messages/batches`, { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(noKey.status, 401);
    assert.deepEqual(((await noKey.json()) as { type: string; error: { type: string } }).error.type, 'authentication_error');
    const noVersion = await fetch(`${root}/v1/messages/batches`, { headers: { 'x-api-key': 'sim' } });
    assert.equal(noVersion.status, 400);
  });

  it('a cancelled batch is canceling, then ended with its unprocessed requests canceled', async () => {
    // Batches that take 5 s, so that the cancel comes while it runs.
    const slow = await startSimulator({ batchSeconds: 5 });
    try {
      const slowClient = new Anthropic({ apiKey: 'sim', baseURL: slow.baseUrl.replace(/\/v1$/, ''), maxRetries: 0 });
      const created = await slowClient.messages.batches.create({ requests: ['a', 'b'].map((id) => ({ custom_id: `id-${id}`, params: params(id) })) });
      assert.equal((await slowClient.messages.batches.cancel(created.id)).processing_status, 'canceling');
      const done = await ended(slowClient, created.id);
      assert.ok(done.cancel_initiated_at !== null);
      assert.equal(done.request_counts.canceled, 2);
      const results: string[] = [];
      for await (const item of await slowClient.messages.batches.results(created.id)) results.push(item.result.type);
      assert.deepEqual(results, ['canceled', 'canceled']);
    } finally {
      await slow.close();
    }
  });

  it('recognises the batch of an interrupted push only when exactly one recent batch has its number of requests', async () => {
    const warnings: string[] = [];
    const provider = anthropicProvider(client, (m) => warnings.push(m));
    const startedAt = Math.floor(Date.now() / 1000) - 5;
    const make = (n: number) => client.messages.batches.create({ requests: Array.from({ length: n }, (_, i) => ({ custom_id: `id-${n}${i}`, params: params(String(i)) })) });
    const three = await make(3);
    await make(2);
    const found = await provider.findInterruptedPushes([{ token: 't3', startedAt, numRequests: 3 }], 'task');
    assert.equal(found.get('t3')?.batch.id, three.id);
    assert.deepEqual(warnings, []);
    await make(3);
    const ambiguous = await provider.findInterruptedPushes([{ token: 't3', startedAt, numRequests: 3 }], 'task');
    assert.equal(ambiguous.size, 0);
    assert.match(warnings[0] ?? '', /could be any of the Anthropic batches .*pushing it again/);
  });
});
