import assert from 'node:assert/strict';
import { processUnpushableBatches } from '../../../src/engine/requester/unpushableBatches';
import type { BatchResult } from '../../../src/engine/requester/batchResult';
import type { Requester } from '../../../src/engine/requester/requester';
import { TokenCoster } from '../../../src/engine/tokens/coster';
import { addAndCommit, recordingHandler, RequesterHarness } from '../../support/engine/requesterHarness';

const servedTiers = (results: BatchResult[]) => results.flatMap((b) => b.results.map((x) => (x.resp_info?.payload.service_tier as string | undefined) ?? 'none'));

async function runDirect(requester: Requester, count: number): Promise<BatchResult[]> {
  await addAndCommit(requester, count);
  await requester.batchRequests(true);
  const { handler, results } = recordingHandler();
  await processUnpushableBatches(requester, handler);
  return results;
}

describe('direct requests at the flex service tier', function () {
  this.timeout(60_000);
  let h: RequesterHarness;
  beforeEach(async () => {
    h = await RequesterHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('sends direct requests with service_tier flex and costs the answers at batch prices', async () => {
    const { requester, options } = await h.open({ options: { min_batch_requests: 101, direct_service_tier: 'flex' } });
    const results = await runDirect(requester, 4);
    assert.deepEqual(servedTiers(results), ['flex', 'flex', 'flex', 'flex']);
    const coster = new TokenCoster(options);
    const usages = results.flatMap((b) => b.results.map((x) => x.resp_info?.usage));
    const atBatch = usages.reduce((sum: number, usage) => sum + coster.trueCost(usage, 'batch'), 0);
    const atDirect = usages.reduce((sum: number, usage) => sum + coster.trueCost(usage, 'direct'), 0);
    const trueCost = results.reduce((sum, b) => sum + b.true_cost, 0);
    assert.ok(Math.abs(trueCost - atBatch) < 1e-12, `true cost ${trueCost} is the batch-price cost ${atBatch}`);
    assert.ok(atBatch < atDirect);
    const task = h.state().task_push_stats.total_tokens_cost;
    assert.equal(task.cost_input_batch + task.cost_output_batch, 0, 'flex requests count as direct spend');
    assert.ok(Math.abs(task.cost_input_direct + task.cost_output_direct - atBatch) < 1e-12, 'the spend counted against the caps is the true cost at flex (batch) prices');
  });

  it('without a fallback, a refused flex request is a retryable error and is never sent at the standard tier', async () => {
    h.sim.setFaults({ flexUnavailableRate: 1 });
    const { requester } = await h.open({ options: { min_batch_requests: 101, direct_service_tier: 'flex', max_retries: 1 } });
    const results = await runDirect(requester, 2);
    const errors = results.flatMap((b) => b.results.map((x) => x.err_info?.msg ?? 'none'));
    assert.equal(errors.length, 4, 'each request was tried twice (max_retries 1)');
    for (const msg of errors) assert.match(msg, /429.*resource_unavailable/);
    assert.deepEqual(servedTiers(results), ['none', 'none', 'none', 'none']);
    assert.equal(Object.keys(h.sim.stats().directRequestIdsAnswered).length, 0, 'no request was answered at another tier');
  });

  it('with --flex_fallback standard, a refused flex request is sent again at the standard tier and costed at direct prices', async () => {
    h.sim.setFaults({ flexUnavailableRate: 1 });
    const { requester, options } = await h.open({ options: { min_batch_requests: 101, direct_service_tier: 'flex', flex_fallback: 'standard' } });
    const results = await runDirect(requester, 3);
    assert.deepEqual(servedTiers(results), ['default', 'default', 'default']);
    assert.ok(results.every((b) => b.results.every((x) => x.err_info === null)));
    const coster = new TokenCoster(options);
    const atDirect = results.flatMap((b) => b.results).reduce((sum, x) => sum + coster.trueCost(x.resp_info?.usage, 'direct'), 0);
    assert.ok(Math.abs(results.reduce((sum, b) => sum + b.true_cost, 0) - atDirect) < 1e-12);
    assert.match(h.logger.text(), /flex capacity is unavailable \(429 resource_unavailable\); sending it again at the standard tier/);
  });

  it('a request that sets its own service tier keeps it', async () => {
    const { requester } = await h.open({ options: { min_batch_requests: 101, direct_service_tier: 'flex' } });
    await addAndCommit(requester, 1, 'own', { service_tier: 'default' });
    await requester.batchRequests(true);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.deepEqual(servedTiers(results), ['default']);
  });
});
