import assert from 'node:assert/strict';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { useTempDir } from '../../support/store/tempDir';
import { readJsonlLines, readRequesterState, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { echoSchema, type SampleOutput, SampleTask, sampleKey, sampleKeys } from '../../support/taskManager/sampleTask';
import { loadTaskStateAt } from '../../support/taskManager/taskStateAt';
import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';

// A sample request takes 37 prompt tokens, so a batch of 20 takes 740 and two batches fit under this limit at once.
const enqueuedTokenLimit = 1600;
// Until the limit is learned, a batch is pushed only once the previous one has passed validation (10% of its time):
// batches long enough for two of them to be accepted before the first finishes, so that the third is rejected.
const batchSeconds = 3;

describe("TaskManager when the provider's batch queue is full (against the simulator)", function () {
  this.timeout(90_000);
  const tmp = useTempDir('tm-queue-full');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness({ batchSeconds, faults: { enqueuedTokenLimit } });
  });
  afterEach(async () => {
    await h.close();
  });

  for (const processFailedBatches of [0, -1]) {
    it(`pushes batches rejected with token_limit_exceeded again until every sample succeeds (process_failed_batches ${processFailedBatches})`, async () => {
      const keys = sampleKeys(100);
      const task = new SampleTask(h.init(tmp.dir, { requester: { max_batch_requests: 20, min_batch_requests: 20, process_failed_batches: processFailedBatches } }), keys);
      assert.equal(await task.run(), true);

      const log = h.logger.text();
      assert.match(log, /the provider's queue for gpt-4o-mini is full \(Limit: 1,600 enqueued tokens\); batch \d+ will be pushed again (when in-flight batches finish|right away, as batches have finished since)/);
      assert.doesNotMatch(log, /Processing failed batch|processed a total of \d+ failed batches/);
      const state = loadTaskStateAt(tmp.dir);
      assert.ok(state);
      assert.equal(Object.keys(state.succeeded_samples).length, 100);
      assert.deepEqual(state.failed_samples, {});
      const lines = readJsonlLines<SampleOutput>(path.join(tmp.dir, 'test_output.jsonl'));
      assert.deepEqual(lines.map((l) => l.key).sort(), keys);

      const requester = readRequesterState(tmp.dir);
      assert.equal(requester.max_request_id, 100, 'the rejected requests kept their IDs');
      assert.equal(requester.num_pass_failures, 0);
      assert.equal(requester.task_push_stats.total_requests, 100, 'a rejected push does not count as pushed');
      const stats = h.sim.stats();
      assert.ok((stats.routes['POST /v1/batches'] ?? 0) > 5, `some pushes were rejected: ${JSON.stringify(stats.routes)}`);
      assert.equal(Object.keys(stats.batchCustomIds).length, 100);
    });
  }

  it('records the limit the rejection states, and keeps the tokens in flight below it from then on', async () => {
    const task = new SampleTask(h.init(tmp.dir, { requester: { max_batch_requests: 20, min_batch_requests: 20 } }), sampleKeys(200));
    assert.equal(await task.run(), true);

    const log = h.logger.text();
    assert.match(log, /Learned the provider's enqueued-token limit for gpt-4o-mini: 1,600 tokens \(stated by the rejection\); batches of gpt-4o-mini are pushed only while the tokens in flight stay below 1,523/);
    assert.match(log, /Reasons encountered not to push certain batches right now: .*Learned queue limit/);
    const db = TaskDb.openReadonly(taskDbPath(tmp.dir));
    assert.ok(db);
    try {
      assert.deepEqual(db.all('SELECT model, enqueued_tokens, source FROM queue_limits'), [{ model: 'gpt-4o-mini', enqueued_tokens: 1600, source: 'stated' }]);
    } finally {
      db.close();
    }
    const state = loadTaskStateAt(tmp.dir);
    assert.equal(Object.keys(state?.succeeded_samples ?? {}).length, 200);
  });

  it('finishes a task ten times larger than the limit, which nobody told it, with one failed validation', async () => {
    // 440 samples take 16,280 prompt tokens; until the limit is learned one batch at a time is pushed into validation.
    const task = new SampleTask(h.init(tmp.dir, { requester: { max_batch_requests: 20, min_batch_requests: 20, remote_update_interval: 0.2 } }), sampleKeys(440));
    assert.equal(await task.run(), true);

    assert.deepEqual(h.sim.stats().queueRejections, { 'gpt-4o-mini': 1 }, 'one batch failed validation, the one that taught the limit');
    const log = h.logger.text();
    assert.match(log, /Reasons encountered not to push certain batches right now: .*Queue limit unknown, a batch is in validation/);
    assert.match(log, /Learned the provider's enqueued-token limit for gpt-4o-mini: 1,600 tokens \(stated by the rejection\)/);
    const state = loadTaskStateAt(tmp.dir);
    assert.equal(Object.keys(state?.succeeded_samples ?? {}).length, 440);
    assert.deepEqual(state?.failed_samples, {});
  });

  it('backs off before pushing again when other work fills the queue and none of its own batches is in flight', async () => {
    // Another user of the organisation holds 30 requests' worth of tokens in the queue while the task pushes 20; its
    // batch runs long enough for the task's first push to come while it is queued.
    await h.close();
    h = await startTaskHarness({ batchSeconds: 1.5, faults: { enqueuedTokenLimit } });
    const client = new OpenAI({ apiKey: 'sim', baseURL: h.sim.baseUrl });
    const lines = Array.from({ length: 30 }, (_, i) => {
      const body = {
        model: 'gpt-4o-mini',
        max_completion_tokens: 60,
        messages: [{ role: 'user', content: `Sample: ${sampleKey(100 + i)}` }],
        response_format: { type: 'json_schema', json_schema: { name: 'Echo', schema: echoSchema, strict: true } },
      };
      return `${JSON.stringify({ custom_id: `other-${i}`, method: 'POST', url: '/v1/chat/completions', body })}\n`;
    });
    const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('')), 'other.jsonl'), purpose: 'batch' });
    await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });

    const task = new SampleTask(h.init(tmp.dir, { requester: { max_batch_requests: 20, min_batch_requests: 20, remote_update_interval: 1 } }), sampleKeys(20));
    assert.equal(await task.run(), true);

    const log = h.logger.text();
    assert.match(log, /batch 1 will be pushed again in 1s \(none of this task's batches is in flight; back-off 1\)/);
    assert.match(log, /Waiting 1s before pushing again: the provider's queue for gpt-4o-mini is full/);
    const state = loadTaskStateAt(tmp.dir);
    assert.ok(state);
    assert.equal(Object.keys(state.succeeded_samples).length, 20);
    assert.deepEqual(state.failed_samples, {});
  });
});
