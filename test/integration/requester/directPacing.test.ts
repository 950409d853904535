import assert from 'node:assert/strict';
import type { BatchResult } from '../../../src/engine/requester/batchResult';
import { processUnpushableBatches } from '../../../src/engine/requester/unpushableBatches';
import type { Requester } from '../../../src/engine/requester/requester';
import { addAndCommit, recordingHandler, RequesterHarness } from '../../support/engine/requesterHarness';

/** Commits `count` requests as one trailing batch that runs directly (below min_batch_requests). */
async function trailingBatch(requester: Requester, count: number): Promise<void> {
  await addAndCommit(requester, count);
  await requester.batchRequests(true);
}

const succeeded = (results: BatchResult[]) => results.reduce((sum, b) => sum + b.results.filter((x) => x.err_info === null).length, 0);
const isModelCall = (path: string) => path.endsWith('/chat/completions');

describe('direct requests: adaptive concurrency paced by rate limits (simulator limits and faults)', function () {
  this.timeout(120_000);
  let h: RequesterHarness;
  beforeEach(async () => {
    h = await RequesterHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('paces by the request limit the headers report: 150 requests under 25 per second get (almost) no 429', async () => {
    h.sim.setFaults({ requestsPerMinute: 25, rateLimitPeriodSeconds: 1 });
    const { requester } = await h.open({ options: { min_batch_requests: 1000, max_direct_requests: 1000, direct_concurrency: 64 } });
    await trailingBatch(requester, 150);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.equal(succeeded(results), 150);
    const refused = h.sim.stats().statusCodes['429'] ?? 0;
    assert.ok(refused <= 2, `${refused} calls were refused 429 over the limit`);
    assert.match(h.logger.text(), /Direct requests are paced by the provider's rate limits of 25 requests and 150000000 tokens/);
  });

  it('paces by the token limit, counting each request for its prompt and most output tokens', async () => {
    // Each request counts about 75 tokens (its prompt and max_completion_tokens 64): about 20 requests per second.
    h.sim.setFaults({ tokensPerMinute: 1500, rateLimitPeriodSeconds: 1 });
    const { requester } = await h.open({ options: { min_batch_requests: 1000, max_direct_requests: 1000, direct_concurrency: 64 } });
    await trailingBatch(requester, 100);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.equal(succeeded(results), 100);
    const refused = h.sim.stats().statusCodes['429'] ?? 0;
    assert.ok(refused <= 2, `${refused} calls were refused 429 over the token limit`);
  });

  it('without limits, grows from 4 towards the direct_concurrency ceiling while answers are healthy', async () => {
    h.sim.setFaults({ chatLatencyMs: 20 });
    let inFlight = 0;
    let mostInFlight = 0;
    h.hooks = {
      before: (call) => {
        if (isModelCall(call.path)) mostInFlight = Math.max(mostInFlight, (inFlight += 1));
      },
      after: (call) => {
        if (isModelCall(call.path)) inFlight -= 1;
      },
    };
    const { requester } = await h.open({ options: { min_batch_requests: 1000, max_direct_requests: 1000, direct_concurrency: 32 } });
    await trailingBatch(requester, 300);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.equal(succeeded(results), 300);
    assert.equal(requester.directPacer.peakConcurrency, 32);
    assert.ok(mostInFlight <= 32, `${mostInFlight} requests were in flight at once`);
    assert.match(h.logger.text(), /concurrency raised to 32 in flight \(from 16, the direct_concurrency ceiling\)/);
  });

  it('halves the concurrency on a burst of 429s, retries the refused requests in place, and grows again afterwards', async () => {
    h.sim.setFaults({ chatLatencyMs: 20 });
    let answered = 0;
    let refusals = 0;
    // The burst starts after 60 answers and ends after 3 refusals: points the client observes, not guessed times.
    h.hooks = {
      after: (call, status) => {
        if (!isModelCall(call.path)) return;
        if (status === 200 && (answered += 1) === 60) h.sim.setFaults({ rateLimitRate: 1, rateLimitRetryAfter: 0 });
        if (status === 429 && (refusals += 1) === 3) h.sim.setFaults({ rateLimitRate: 0 });
      },
    };
    const { requester } = await h.open({ options: { min_batch_requests: 1000, max_direct_requests: 1000, direct_concurrency: 64 }, clientRetries: 4 });
    await trailingBatch(requester, 300);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.equal(succeeded(results), 300, 'every refused request was answered after the burst');
    assert.equal(results.length, 1, 'the refusals were retried in place, not in another virtual batch');
    const log = h.logger.text();
    const cuts = [...log.matchAll(/concurrency lowered to ([0-9]+) in flight \(from ([0-9]+)\) after a rate-limit answer \(429\)/g)];
    assert.ok(cuts.length >= 1 && cuts.length <= 3, `${cuts.length} cuts for a burst of 3 refusals:\n${log}`);
    const [, lowered, from] = cuts.at(-1) as RegExpMatchArray;
    assert.equal(Number(lowered), Math.floor(Number(from) / 2));
    assert.ok(requester.directPacer.concurrency > Number(lowered), `the concurrency stayed at ${requester.directPacer.concurrency} after the burst (cut to ${lowered})`);
  });
});
