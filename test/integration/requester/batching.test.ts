import assert from 'node:assert/strict';
import path from 'node:path';
import { EngineError, InvalidInputError, TaskLockedError } from '../../../src/shared/errors';
import { MemoryLogger } from '../../../src/engine/log';
import { pushBatches } from '../../../src/engine/requester/pushing';
import { acquireTaskLock } from '../../../src/engine/store/taskLock';
import { deriveLimits, resolveOptions } from '../../../src/shared/options';
import { addAndCommit, chatRequest, RequesterHarness } from '../../support/engine/requesterHarness';
import { startChild } from '../../support/store/child';

describe('requester batch formation, options and lock (engine.md §12 scenarios 6–8, 38, 42, 43)', function () {
  this.timeout(60_000);
  let h: RequesterHarness;
  beforeEach(async () => {
    h = await RequesterHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('6: 250 queued requests with max_batch_requests 100 form two full batches and keep 50 queued; forcing forms a trailing batch of 50', async () => {
    const { requester } = await h.open({ options: { max_batch_requests: 100 } });
    await addAndCommit(requester, 250);
    assert.equal(await requester.batchRequests(false), 2);
    assert.deepEqual(requester.state.batches.map((b) => [b.num_requests, b.full_batch, b.reasons]), [
      [100, true, ['Max batch requests']],
      [100, true, ['Max batch requests']],
    ]);
    assert.equal(requester.queue.length, 50);
    assert.equal(await requester.batchRequests(true), 3);
    assert.deepEqual(requester.state.batches.map((b) => [b.num_requests, b.full_batch, b.reasons]).at(2), [50, false, ['Forced']]);
    assert.equal(requester.queue.length, 0);
    assert.deepEqual(h.state().batches.map((b) => b.num_requests), [100, 100, 50]);
  });

  it('7: a single request larger than max_batch_mb (after the safety factor) is a "too strict" error and changes nothing', async () => {
    const { requester } = await h.open({ options: { max_batch_mb: 1 } });
    requester.addRequest(chatRequest('huge', { messages: [{ role: 'user', content: 'x '.repeat(520_000) }] }));
    await requester.commitRequests();
    const before = h.snapshot();
    await assert.rejects(requester.batchRequests(true), (error: unknown) => {
      assert.ok(EngineError.is(error));
      assert.match(error.message, /too strict to allow even a single request/);
      assert.match(error.message, /Max batch size/);
      return true;
    });
    assert.deepEqual(h.snapshot(), before);
    assert.equal(requester.state.batches.length, 0);
  });

  it('an embeddings batch holds at most 50,000 inputs across its requests, and an endpoint the engine cannot run is refused', async () => {
    const { requester } = await h.open({ options: { endpoint: '/v1/embeddings' } });
    const inputs = Array.from({ length: 2000 }, (_, i) => `text ${i}`);
    for (let i = 0; i < 30; i += 1) requester.addRequest({ payload: { model: 'text-embedding-3-small', input: inputs }, meta: { sample_key: `s${i}` } });
    await requester.commitRequests();
    assert.equal(await requester.batchRequests(true), 2);
    assert.deepEqual(requester.state.batches.map((b) => [b.num_requests, b.reasons]), [
      [25, ['Max batch inputs']],
      [5, ['Forced']],
    ]);
    await h.close();
    h = await RequesterHarness.start();
    await assert.rejects(h.open({ options: { endpoint: '/v1/completions' } }), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /endpoint '\/v1\/completions' is not supported; set the option endpoint to one of \/v1\/chat\/completions, \/v1\/responses, \/v1\/embeddings/);
      return true;
    });
  });

  it('8: max_unpushed_batches 2 with enough requests for 5 batches forms exactly 2 and reports congestion', async () => {
    const { requester } = await h.open({ options: { max_batch_requests: 2, max_unpushed_batches: 2, max_remote_batches: 0 } });
    await addAndCommit(requester, 10);
    assert.equal(await requester.batchRequests(true), 2);
    assert.equal(requester.queue.length, 6);
    assert.match(h.logger.text(), /Not forming more batches as there are already 2 unpushed batches \(6 requests left in the queue\)/);
    assert.equal(await pushBatches(requester), true);
    assert.match(h.logger.text(), /\[CONGESTED\]/);
  });

  it('38: a lock held by another process fails after lock_timeout with "Failed to acquire lock"', async () => {
    const holder = startChild(path.join(__dirname, '../../support/store/lockHolderChild.ts'), [h.dir, 'P']);
    try {
      await holder.waitForLine(/^locked$/);
      const logger = new MemoryLogger();
      await assert.rejects(acquireTaskLock(h.dir, 'P', { timeout: 1, pollInterval: 0.05, statusInterval: 0.2, logger }), (error: unknown) => error instanceof TaskLockedError);
      assert.match(logger.text(), /Failed to acquire lock in \d+s: /);
      assert.match(logger.text(), /Still waiting on lock after/);
    } finally {
      holder.process.kill('SIGKILL');
      await holder.exited;
    }
  });

  it('42: inconsistent or out-of-range options are rejected when resolved, each naming the option', () => {
    const rejects = (values: Record<string, unknown>, pattern: RegExp) =>
      assert.throws(() => resolveOptions([{ source: 'test', values }]), (error: unknown) => error instanceof InvalidInputError && pattern.test(error.message));
    rejects({ max_remote_ktokens: 100, max_batch_ktokens: 200 }, /max_batch_ktokens 200 .* must not exceed max_remote_ktokens 100/);
    rejects({ min_pass_ratio: 1.5 }, /min_pass_ratio/);
    rejects({ max_retries: -1 }, /max_retries/);
    rejects({ remote_update_interval: 0.5 }, /remote_update_interval/);
    rejects({ wait_save_interval: 5 }, /wait_save_interval/);
    rejects({ cost_input_batch_mtoken: -1 }, /cost_input_batch_mtoken/);
    // Fix of engine.md §11.21: min_batch_requests above max_batch_requests is an error, not a silent "all direct".
    rejects({ min_batch_requests: 200, max_batch_requests: 100 }, /min_batch_requests 200 .* must not exceed max_batch_requests 100/);
  });

  it('43: derived limits apply the safety factors, and max_task_ktokens 0 blocks every push', async () => {
    const limits = deriveLimits(resolveOptions([{ source: 'test', values: { max_batch_ktokens: 20000, max_token_safety: 1.05, max_batch_mb: 100, max_mb_safety: 1.01, max_task_ktokens: 0 } }]).requester);
    assert.equal(limits.max_batch_tokens, 19047619);
    assert.equal(limits.max_batch_size, 99009901);
    assert.equal(limits.max_task_tokens, 0);
    const { requester } = await h.open({ options: { max_task_ktokens: 0 } });
    await addAndCommit(requester, 2);
    await requester.batchRequests(true);
    await pushBatches(requester);
    assert.equal(requester.unpushedBatches.length, 1);
    assert.match(h.logger.text(), /Reasons encountered not to push certain batches right now: Max task tokens$/m);
    assert.equal(h.sim.stats().routes['POST /v1/files'] ?? 0, 0);
  });
});
