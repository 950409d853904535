import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { z } from 'zod';
import { batchLine, chatBody, createBatch, readJsonl, startHarness, uploadJsonl, waitForBatch, type SimHarness } from '../../support/sim/simHelpers';

const Opinion = z.strictObject({ emotion: z.enum(['anger', 'disgust', 'sadness', 'joy', 'neutral', 'surprise', 'fear']), is_clear: z.boolean() });
const opinionFormat = { type: 'json_schema', json_schema: { name: 'UtteranceInfo', strict: true, schema: z.toJSONSchema(Opinion) } };

function lines(count: number, extra: Record<string, unknown> = {}): string[] {
  return Array.from({ length: count }, (_, i) => batchLine(`id-${i}`, chatBody(`UTTERANCE:\nSentence number ${i}, how wonderful!`, extra)));
}

interface OutputLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: { code: string; message: string } | null;
}

describe('simulator Batches API', () => {
  let h: SimHarness;
  afterEach(async () => {
    await h.sim.close();
  });

  it('runs a batch from upload to output file with counts, usage and structured answers', async () => {
    h = await startHarness({ batchSeconds: 1 });
    const metadata = { batch_id: '3', host: 'test' };
    const created = await createBatch(h.client, lines(20, { response_format: opinionFormat }), metadata);
    assert.equal(created.status, 'validating');
    assert.deepEqual(created.metadata, metadata);
    const running = await waitForBatch(h.client, created.id, (b) => b.status === 'in_progress' && (b.request_counts?.completed ?? 0) > 0);
    assert.ok((running.request_counts?.completed ?? 0) < 20);
    const batch = await waitForBatch(h.client, created.id);
    assert.equal(batch.status, 'completed');
    assert.equal(batch.model, 'gpt-4o-mini');
    assert.deepEqual(batch.request_counts, { total: 20, completed: 20, failed: 0 });
    assert.equal(batch.error_file_id, null);
    assert.equal(batch.errors, null);
    assert.ok(batch.created_at <= (batch.in_progress_at ?? 0) && (batch.in_progress_at ?? 0) <= (batch.finalizing_at ?? 0) && (batch.finalizing_at ?? 0) <= (batch.completed_at ?? 0));
    assert.equal(batch.expires_at, batch.created_at + 24 * 3600);

    const output = (await readJsonl(h.client, batch.output_file_id as string)) as unknown as OutputLine[];
    const ids = output.map((line) => line.custom_id);
    assert.deepEqual([...ids].sort(), Array.from({ length: 20 }, (_, i) => `id-${i}`).sort());
    assert.notDeepEqual(ids, Array.from({ length: 20 }, (_, i) => `id-${i}`), 'output order is shuffled');
    let promptTokens = 0;
    let completionTokens = 0;
    for (const line of output) {
      assert.match(line.id, /^batch_req_/);
      assert.equal(line.error, null);
      assert.equal(line.response?.status_code, 200);
      assert.match(line.response?.request_id ?? '', /^req_/);
      const completion = line.response?.body as unknown as OpenAI.ChatCompletion;
      assert.equal(completion.object, 'chat.completion');
      Opinion.parse(JSON.parse(completion.choices[0]?.message.content ?? ''));
      promptTokens += completion.usage?.prompt_tokens ?? 0;
      completionTokens += completion.usage?.completion_tokens ?? 0;
    }
    assert.equal(batch.usage?.input_tokens, promptTokens);
    assert.equal(batch.usage?.output_tokens, completionTokens);
    assert.equal(batch.usage?.total_tokens, promptTokens + completionTokens);
    assert.equal(batch.usage?.input_tokens_details.cached_tokens, 0);
    assert.equal(batch.usage?.output_tokens_details.reasoning_tokens, 0);
    const outputFile = await h.client.files.retrieve(batch.output_file_id as string);
    assert.equal(outputFile.purpose, 'batch_output');
    assert.deepEqual(h.sim.stats().batchCustomIds, Object.fromEntries(ids.map((id) => [id, 1])));
  });

  it('fails validation with the code and line of each kind of bad input', async () => {
    h = await startHarness();
    const cases: [string[], string, number | null][] = [
      [[batchLine('id-0', chatBody('a')), '{not json'], 'invalid_json_line', 2],
      [[batchLine('id-0', chatBody('a')), batchLine('id-0', chatBody('b'))], 'duplicate_custom_id', 2],
      [[batchLine('id-0', chatBody('a'), '/v1/embeddings')], 'url_mismatch', 1],
      [[batchLine('id-0', chatBody('a')), batchLine('id-1', { ...chatBody('b'), model: 'gpt-4o' })], 'model_mismatch', 2],
      [[], 'empty_file', null],
    ];
    for (const [input, code, line] of cases) {
      const created = await createBatch(h.client, input);
      const batch = await waitForBatch(h.client, created.id);
      assert.equal(batch.status, 'failed', code);
      assert.equal(batch.errors?.object, 'list');
      assert.equal(batch.errors?.data?.[0]?.code, code);
      assert.equal(batch.errors?.data?.[0]?.line, line, code);
      assert.ok((batch.failed_at ?? 0) >= batch.created_at);
      assert.equal(batch.output_file_id, null);
    }
  });

  it('fails a batch of more than 50,000 requests with too_many_tasks', async () => {
    h = await startHarness();
    const line = (i: number): string => `{"custom_id":"id-${i}","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[]}}`;
    const created = await createBatch(h.client, Array.from({ length: 50_001 }, (_, i) => line(i)));
    const batch = await waitForBatch(h.client, created.id);
    assert.equal(batch.status, 'failed');
    assert.deepEqual(batch.errors?.data?.map((e) => e.code), ['too_many_tasks']);
  });

  it('fails a batch over the enqueued token limit, counting batches still running', async () => {
    h = await startHarness({ batchSeconds: 5, faults: { enqueuedTokenLimit: 300 } });
    const first = await createBatch(h.client, lines(10));
    const second = await createBatch(h.client, lines(10));
    const failed = await waitForBatch(h.client, second.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.errors?.data?.[0]?.code, 'token_limit_exceeded');
    assert.match(failed.errors?.data?.[0]?.message ?? '', /Enqueued token limit reached for gpt-4o-mini/);
    assert.notEqual((await h.client.batches.retrieve(first.id)).status, 'failed');
  });

  it("applies a model's own enqueued token limit, with OpenAI's error naming it, and counts the rejections per model", async () => {
    h = await startHarness({ batchSeconds: 5, faults: { enqueuedTokenLimit: 100_000 }, enqueuedTokenLimits: { 'gpt-4o-mini': 300 } });
    await createBatch(h.client, lines(10));
    const rejected = await createBatch(h.client, lines(10));
    const otherModel = await createBatch(h.client, lines(10, { model: 'gpt-4o' }));
    const failed = await waitForBatch(h.client, rejected.id);
    assert.equal(failed.status, 'failed');
    assert.equal(
      failed.errors?.data?.[0]?.message,
      'Enqueued token limit reached for gpt-4o-mini in organization org-simulator. Limit: 300 enqueued tokens. Please try again once some in_progress batches have been completed.',
    );
    assert.notEqual((await h.client.batches.retrieve(otherModel.id)).status, 'failed', 'gpt-4o has the general limit');
    assert.deepEqual(h.sim.stats().queueRejections, { 'gpt-4o-mini': 1 });
  });

  it('rejects bad creation parameters with 400 and an unknown input file with 404', async () => {
    h = await startHarness();
    const fileId = await uploadJsonl(h.client, lines(1));
    const create = (body: Record<string, unknown>): Promise<unknown> =>
      h.client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', ...body } as OpenAI.Batches.BatchCreateParams);
    const isBadRequest = (param: string) => (error: unknown) => error instanceof OpenAI.BadRequestError && (error.param ?? '').startsWith(param);
    await assert.rejects(create({ completion_window: '1h' }), isBadRequest('completion_window'));
    await assert.rejects(create({ metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }), isBadRequest('metadata'));
    await assert.rejects(create({ metadata: { ['k'.repeat(65)]: 'v' } }), isBadRequest('metadata'));
    await assert.rejects(create({ metadata: { k: 'v'.repeat(513) } }), isBadRequest('metadata'));
    await assert.rejects(create({ input_file_id: 'file-missing' }), (error: unknown) => error instanceof OpenAI.NotFoundError);
    await create({ metadata: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`.padEnd(64, 'x'), 'v'.repeat(512)])) });
  });

  it('turns a share of lines into per-line HTTP errors in the error file', async () => {
    h = await startHarness({ faults: { lineErrorRate: 0.5, lineErrorStatus: 429 }, seed: 3 });
    const created = await createBatch(h.client, lines(40));
    const batch = await waitForBatch(h.client, created.id);
    assert.equal(batch.status, 'completed');
    const output = (await readJsonl(h.client, batch.output_file_id as string)) as unknown as OutputLine[];
    const errors = (await readJsonl(h.client, batch.error_file_id as string)) as unknown as OutputLine[];
    assert.ok(errors.length > 5 && errors.length < 35, `${errors.length} of 40 failed`);
    assert.deepEqual(batch.request_counts, { total: 40, completed: output.length, failed: errors.length });
    for (const line of errors) {
      assert.equal(line.error, null);
      assert.equal(line.response?.status_code, 429);
      const error = (line.response?.body as { error: Record<string, unknown> }).error;
      assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
    }
  });

  it('leaves output_file_id null when every line fails, and fails a whole batch on the failBatchRate fault', async () => {
    h = await startHarness({ faults: { lineErrorRate: 1, lineErrorStatus: 400 } });
    const allFailed = await waitForBatch(h.client, (await createBatch(h.client, lines(3))).id);
    assert.equal(allFailed.status, 'completed');
    assert.equal(allFailed.output_file_id, null);
    assert.equal((await readJsonl(h.client, allFailed.error_file_id as string)).length, 3);
    h.sim.setFaults({ lineErrorRate: 0, failBatchRate: 1 });
    const failed = await waitForBatch(h.client, (await createBatch(h.client, lines(3))).id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.errors?.data?.[0]?.code, 'invalid_request');
  });

  it('cancels a running batch with partial output and batch_cancelled lines for the rest', async () => {
    h = await startHarness({ batchSeconds: 3 });
    const created = await createBatch(h.client, lines(30));
    await waitForBatch(h.client, created.id, (b) => (b.request_counts?.completed ?? 0) >= 3);
    const cancelling = await h.client.batches.cancel(created.id);
    assert.equal(cancelling.status, 'cancelling');
    assert.ok(cancelling.cancelling_at !== undefined && cancelling.cancelling_at !== null);
    const batch = await waitForBatch(h.client, created.id);
    assert.equal(batch.status, 'cancelled');
    const output = (await readJsonl(h.client, batch.output_file_id as string)) as unknown as OutputLine[];
    const rest = (await readJsonl(h.client, batch.error_file_id as string)) as unknown as OutputLine[];
    assert.ok(output.length >= 3 && output.length < 30, `${output.length} done`);
    assert.equal(output.length + rest.length, 30);
    for (const line of rest) {
      assert.equal(line.response, null);
      assert.equal(line.error?.code, 'batch_cancelled');
    }
    assert.deepEqual(batch.request_counts, { total: 30, completed: output.length, failed: rest.length });
    await assert.rejects(h.client.batches.cancel(created.id), (error: unknown) => error instanceof OpenAI.BadRequestError);
  });

  it('expires a batch on the expireBatchRate fault with partial output and batch_expired lines', async () => {
    h = await startHarness({ faults: { expireBatchRate: 1, expireCompletedFraction: 0.5 } });
    const batch = await waitForBatch(h.client, (await createBatch(h.client, lines(20))).id);
    assert.equal(batch.status, 'expired');
    assert.ok((batch.expired_at ?? 0) >= batch.created_at);
    assert.equal((await readJsonl(h.client, batch.output_file_id as string)).length, 10);
    const expired = (await readJsonl(h.client, batch.error_file_id as string)) as unknown as OutputLine[];
    assert.equal(expired.length, 10);
    assert.ok(expired.every((line) => line.response === null && line.error?.code === 'batch_expired'));
  });

  it('lists batches newest first with cursor pagination', async () => {
    h = await startHarness({ batchSeconds: 60 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await createBatch(h.client, lines(1))).id);
    const first = await h.client.batches.list({ limit: 2 });
    assert.deepEqual(first.data.map((b) => b.id), [ids[2], ids[1]]);
    assert.equal(first.has_more, true);
    const second = await first.getNextPage();
    assert.deepEqual(second.data.map((b) => b.id), [ids[0]]);
    assert.equal(second.has_more, false);
    const all: string[] = [];
    for await (const batch of h.client.batches.list({ limit: 1 })) all.push(batch.id);
    assert.deepEqual(all, [...ids].reverse());
    await assert.rejects(h.client.batches.list({ limit: 101 }), (error: unknown) => error instanceof OpenAI.BadRequestError);
  });
});
