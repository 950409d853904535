import assert from 'node:assert/strict';
import { emptyResult } from '../../../src/engine/requester/batchResult';
import { errorInfo } from '../../../src/engine/requester/responses';
import { forecastOf, measurePilot } from '../../../src/engine/requester/pilotMeasure';
import type { ResultInfo } from '../../../src/engine/requester/results';
import { TokenCosting } from '../../../src/engine/requester/tokenCosting';
import { TokenEstimator } from '../../../src/engine/tokens/estimator';
import { noopLogger } from '../../../src/engine/log';

const costing = new TokenCosting(new TokenEstimator({ warn: 'never', logger: noopLogger }), {
  cost_input_direct_mtoken: 2,
  cost_input_cached_mtoken: 1,
  cost_input_batch_mtoken: 1,
  cost_input_batch_cached_mtoken: 0.5,
  cost_output_direct_mtoken: 8,
  cost_output_batch_mtoken: 4,
}, 0.5);

function answered(id: number, estimatedInput: number, maxOutput: number, usage: Record<string, unknown>): ResultInfo {
  const result = emptyResult(id, 100, {}, { id, meta: null, retry_num: 0, parse_info: null, tokens_cost: costing.tokensCost(estimatedInput, maxOutput) });
  result.resp_info = { model: 'm', system_fingerprint: 'fp', usage, payload: {} } as unknown as ResultInfo['resp_info'];
  return result;
}

describe('pilot measurement', () => {
  it('takes low and high from single answers and the expected ratio over all of them, ignoring unanswered requests', () => {
    const failed = emptyResult(3, 100, {}, { id: 3, meta: null, retry_num: 0, parse_info: null, tokens_cost: costing.tokensCost(10, 100) });
    failed.err_info = errorInfo(false, 'PostError', 'APIError', 'down');
    const m = measurePilot([
      answered(1, 100, 100, { prompt_tokens: 110, prompt_tokens_details: { cached_tokens: 55 }, completion_tokens: 20 }),
      answered(2, 100, 300, { prompt_tokens: 110, completion_tokens: 240 }),
      failed,
    ]);
    assert.ok(m);
    assert.equal(m.answered, 2);
    assert.deepEqual(m.completionRatio, { low: 0.2, expected: 260 / 400, high: 0.8 });
    assert.equal(m.cachedShare, 55 / 220);
    assert.equal(m.inputScale, 1.1);
    assert.equal(m.meanOutputTokens, 130);
  });

  it('has nothing to measure when no request was answered', () => {
    assert.equal(measurePilot([]), undefined);
  });

  it('forecasts what was spent plus the remaining requests at the low, expected and high ratio', () => {
    const m = { answered: 2, completionRatio: { low: 0.25, expected: 0.5, high: 0.75 }, cachedShare: 0, inputScale: 2, meanOutputTokens: 10 };
    const f = forecastOf(costing, m, { requests: 2, cost: 0.5, spentBefore: 1, assumedCompletionRatio: 0.5, ratioApplied: false, createdAt: 0 }, { requests: 10, inputTokens: 1_000_000, maxOutputTokens: 1_000_000, prices: 'batch' });
    // 2M input tokens at 1 per million, then 0.25M / 0.5M / 0.75M output tokens at 4 per million.
    assert.deepEqual(f.cost, { low: 1.5 + 2 + 1, expected: 1.5 + 2 + 2, high: 1.5 + 2 + 3 });
    const direct = forecastOf(costing, m, { requests: 2, cost: 0, spentBefore: 0, assumedCompletionRatio: 0.5, ratioApplied: false, createdAt: 0 }, { requests: 10, inputTokens: 1_000_000, maxOutputTokens: 1_000_000, prices: 'direct' });
    assert.equal(direct.cost.expected, 4 + 4);
  });
});
