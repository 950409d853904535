import assert from 'node:assert/strict';
import { toFile, type default as OpenAI } from 'openai';
import { EngineError } from '../../../src/shared/errors';
import { waitForBatches } from '../../../src/engine/requester/polling';
import { processBatches } from '../../../src/engine/requester/processing';
import { batchesPerHour, pushBatches, reconcilePushes } from '../../../src/engine/requester/pushing';
import { TaskDb } from '../../../src/engine/db/taskDb';
import { addAndCommit, recordingHandler, RequesterHarness, waitForAllBatches } from '../../support/engine/requesterHarness';

/** A prompt of roughly 300 tokens, so that two requests pass 1000 tokens. */
const long = { messages: [{ role: 'user', content: 'word '.repeat(290) }] };

/** Resolves when `reached` is called; the returned promise never settles, as if the process died there. */
function crashPoint(): { reached: Promise<void>; hang: () => Promise<never> } {
  let signal = () => {};
  const reached = new Promise<void>((resolve) => {
    signal = resolve;
  });
  return {
    reached,
    hang: () => {
      signal();
      return new Promise<never>(() => {});
    },
  };
}

describe('requester pushing (engine.md §12 scenarios 10–12, idempotent pushes)', function () {
  this.timeout(60_000);
  let h: RequesterHarness;
  beforeEach(async () => {
    h = await RequesterHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it("stops pushing once the provider's 2,000 batches per hour were created, counting those of earlier runs", async () => {
    await h.open();
    await h.closeDatabases();
    const db = TaskDb.openForWriting(h.file('task.db'));
    const now = Math.floor(Date.now() / 1000);
    for (let id = 1; id <= batchesPerHour; id += 1) {
      db.run("INSERT INTO batches (kind, id, place, remote_batch_id, status, num_requests, estimated_cost, created_at, record) VALUES ('batch', ?, 'processed', ?, 'completed', 1, 0, ?, '{}')", id, `batch_old${id}`, now - 60);
    }
    db.close();
    const { requester } = await h.open();
    requester.state.max_batch_id = batchesPerHour;
    await addAndCommit(requester, 2);
    assert.equal(await requester.batchRequests(true), 1);
    await pushBatches(requester);
    assert.equal(requester.remoteBatches.length, 0);
    assert.match(h.logger.text(), /Reasons encountered not to push certain batches right now: Max batches per hour/);
    assert.equal(h.sim.stats().routes['POST /v1/batches'] ?? 0, 0);
  });

  it('10: max_remote_ktokens admits one of two batches; push stats take only batch costs; the metadata carries the 8 keys', async () => {
    const { requester, client } = await h.open({ options: { max_batch_requests: 2, max_batch_ktokens: 1, max_remote_ktokens: 1 } });
    await addAndCommit(requester, 4, 'r', long);
    assert.equal(await requester.batchRequests(true), 2);
    const [first, second] = requester.state.batches;
    assert.ok(first && second);
    assert.ok(first.tokens_cost.input_tokens + second.tokens_cost.input_tokens > 1000);
    await pushBatches(requester);
    assert.notEqual(first.remote, null);
    assert.equal(second.remote, null);
    assert.match(h.logger.text(), /Reasons encountered not to push certain batches right now: Max remote tokens$/m);
    const stats = h.state().task_push_stats;
    assert.equal(stats.total_requests, 2);
    assert.equal(stats.total_tokens_cost.input_tokens, first.tokens_cost.input_tokens);
    assert.equal(stats.total_tokens_cost.cost_input_direct, 0);
    assert.equal(stats.total_tokens_cost.cost_output_direct, 0);
    assert.ok(Math.abs(stats.total_tokens_cost.cost_input_batch - first.tokens_cost.cost_input_batch) < 1e-9);
    const remote = await client.batches.retrieve(first.remote?.batch.id ?? '');
    const metadata = remote.metadata ?? {};
    // The task's identity and the push token that makes pushes idempotent; nothing about the machine, user or paths.
    assert.deepEqual(Object.keys(metadata).sort(), ['batch_id', 'push_token', 'task_id', 'task_name']);
    assert.equal(metadata.batch_id, '1');
    assert.equal(metadata.task_name, 'P');
    assert.equal(metadata.task_id, 'test-task');
    assert.match(metadata.push_token ?? '', /^[0-9a-f]{16}$/);
    assert.ok(!JSON.stringify(metadata).includes(h.dir), 'no local path in the metadata');
  });

  it('11: a batch creation failing after the upload deletes the upload and leaves the batch local and the state as it was', async () => {
    const wrapClient = (client: OpenAI) => {
      client.batches.create = (() => Promise.reject(new Error('provider refused the batch'))) as unknown as typeof client.batches.create;
      return client;
    };
    const { requester, client } = await h.open({ wrapClient });
    await addAndCommit(requester, 3);
    await requester.batchRequests(true);
    const before = h.snapshot();
    await assert.rejects(pushBatches(requester), (error: unknown) => EngineError.is(error, 'api') && /provider refused the batch/.test(error.message));
    assert.equal(h.sim.stats().routes['POST /v1/files'], 1);
    assert.equal(h.sim.stats().routes['DELETE /v1/files/{id}'], 1);
    const left = [];
    for await (const file of client.files.list({ purpose: 'batch' })) left.push(file.id);
    assert.deepEqual(left, []);
    assert.equal(requester.state.batches[0]?.remote, null);
    assert.deepEqual(h.snapshot()['task.db:batches'], before['task.db:batches']);
  });

  it('12: max_remote_batches 0 pushes nothing and keeps the batches local', async () => {
    const { requester } = await h.open({ options: { max_remote_batches: 0 } });
    await addAndCommit(requester, 3);
    await requester.batchRequests(true);
    await pushBatches(requester);
    assert.equal(requester.unpushedBatches.length, 1);
    assert.match(h.logger.text(), /Reasons encountered not to push certain batches right now: Max remote batches$/m);
    assert.equal(h.sim.stats().routes['POST /v1/files'] ?? 0, 0);
  });

  it('a crash after the upload: the next session deletes the orphaned upload and pushes each request exactly once', async () => {
    const crash = crashPoint();
    const first = await h.open({
      wrapClient: (client) => {
        client.batches.create = crash.hang as unknown as typeof client.batches.create;
        return client;
      },
    });
    await addAndCommit(first.requester, 5);
    await first.requester.batchRequests(true);
    void pushBatches(first.requester);
    await crash.reached;
    assert.equal(h.sim.stats().routes['POST /v1/files'], 1);

    const second = await h.open();
    assert.notEqual(second.requester.state.batches[0]?.push, null, 'the push intent was saved before the upload');
    await reconcilePushes(second.requester);
    assert.equal(h.sim.stats().routes['DELETE /v1/files/{id}'], 1);
    assert.equal(second.requester.state.batches[0]?.push, null);
    assert.equal(second.requester.state.batches[0]?.remote, null);
    await pushBatches(second.requester);
    await waitForBatches(second.requester);
    const { handler, results } = recordingHandler();
    await processBatches(second.requester, handler);
    assert.deepEqual(results.flatMap((r) => r.results.map((x) => x.req_id)), [1, 2, 3, 4, 5]);
    assert.deepEqual(h.sim.stats().batchCustomIds, { 'id-1': 1, 'id-2': 1, 'id-3': 1, 'id-4': 1, 'id-5': 1 });
  });

  it('a crash after the batch was created: the next session adopts the remote batch instead of pushing again', async () => {
    const crash = crashPoint();
    let createdId = '';
    const first = await h.open({
      wrapClient: (client) => {
        const create = client.batches.create.bind(client.batches);
        client.batches.create = (async (...args: Parameters<typeof create>) => {
          createdId = (await create(...args)).id;
          return crash.hang();
        }) as unknown as typeof client.batches.create;
        return client;
      },
    });
    await addAndCommit(first.requester, 5);
    await first.requester.batchRequests(true);
    void pushBatches(first.requester);
    await crash.reached;

    const second = await h.open();
    await reconcilePushes(second.requester);
    const batch = second.requester.state.batches[0];
    assert.equal(batch?.remote?.batch.id, createdId);
    assert.equal(batch?.push, null);
    assert.equal(h.state().task_push_stats.total_requests, 5);
    assert.match(h.logger.text(), /Recovered batch 1: it had been pushed as/);
    await pushBatches(second.requester);
    assert.equal(h.sim.stats().routes['POST /v1/batches'], 1);
    await waitForBatches(second.requester);
    const { handler, results } = recordingHandler();
    await processBatches(second.requester, handler);
    assert.equal(results[0]?.stats.num_success, 5);
    assert.deepEqual(h.sim.stats().batchCustomIds, { 'id-1': 1, 'id-2': 1, 'id-3': 1, 'id-4': 1, 'id-5': 1 });
    assert.equal(h.sim.stats().routes['DELETE /v1/files/{id}'], 2, 'the input and output files are deleted after processing, nothing else');
  });

  it('a crash after processing a batch: the next open deletes its leftover upload, and only this task\'s unused uploads', async () => {
    // The first deletion after processing never returns, as if the process was killed once the processing committed.
    const crash = crashPoint();
    const first = await h.open({
      wrapClient: (client) => {
        client.files.delete = crash.hang as unknown as typeof client.files.delete;
        return client;
      },
    });
    await addAndCommit(first.requester, 2);
    await first.requester.batchRequests(true);
    await pushBatches(first.requester);
    const leftover = first.requester.state.batches[0]?.remote?.file.id ?? '';
    await waitForBatches(first.requester);
    void processBatches(first.requester, recordingHandler().handler);
    await crash.reached;
    assert.equal(h.history().length, 1, 'the processing committed before the deletions');

    const second = await h.open();
    await addAndCommit(second.requester, 2, 's');
    await second.requester.batchRequests(true);
    await pushBatches(second.requester);
    const active = second.requester.state.batches[0]?.remote?.file.id ?? '';
    const { client } = second;
    const foreign = await client.files.create({ file: await toFile(Buffer.from('{}\n'), 'P_batch1_0123456789abcdef_task-other-task.jsonl'), purpose: 'batch' });
    const unnamed = await client.files.create({ file: await toFile(Buffer.from('{}\n'), 'P_batch1_0123456789abcdef.jsonl'), purpose: 'batch' });

    const third = await h.open();
    const deletesBefore = h.sim.stats().routes['DELETE /v1/files/{id}'] ?? 0;
    await reconcilePushes(third.requester);
    assert.equal((h.sim.stats().routes['DELETE /v1/files/{id}'] ?? 0) - deletesBefore, 1);
    assert.match(h.logger.text(), new RegExp(`Deleting leftover upload ${leftover} \\(P_batch1_[0-9a-f]{16}_task-test-task\\.jsonl\\) of this task, which no active batch uses`));
    const left = [];
    for await (const file of client.files.list({ purpose: 'batch' })) left.push(file.id);
    assert.deepEqual(left.sort(), [active, foreign.id, unnamed.id].sort());
  });

  it('a batch pushed with output_expires_after 2 days gets output files the provider keeps 2 days', async () => {
    const { requester, client } = await h.open({ options: { output_expires_after: 2 } });
    await addAndCommit(requester, 3);
    await requester.batchRequests(true);
    await pushBatches(requester);
    await waitForAllBatches(requester);
    const batch = await client.batches.retrieve(requester.state.batches[0]?.remote?.batch.id ?? '');
    const output = await client.files.retrieve(batch.output_file_id ?? '');
    assert.equal((output.expires_at ?? 0) - output.created_at, 2 * 86_400);
  });
});
