import assert from 'node:assert/strict';
import { EngineError, InvalidInputError } from '../../../src/shared/errors';
import { TokenCoster, type CostRates } from '../../../src/engine/tokens/coster';
import { roundHalfEven } from '../../../src/engine/tokens/rounding';

const miniRates: CostRates = {
  cost_input_direct_mtoken: 0.15,
  cost_input_cached_mtoken: 0.075,
  cost_input_batch_mtoken: 0.075,
  cost_output_direct_mtoken: 0.6,
  cost_output_batch_mtoken: 0.3,
};

function assertClose(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${actual} is not within 1e-12 of ${expected}`);
}

describe('token coster', () => {
  it('estimates the reference costs with gpt-4o-mini prices', () => {
    const cost = new TokenCoster(miniRates).estimate(1000, 70);
    assertClose(cost.cost_input_direct, 0.00015);
    assertClose(cost.cost_input_batch, 0.000075);
    assertClose(cost.cost_output_direct, 0.000042);
    assertClose(cost.cost_output_batch, 0.000021);
    assertClose(cost.cost_input_batch + cost.cost_output_batch, 0.000096);
  });

  it('true direct cost uses the request’s own cached tokens', () => {
    const usage = { prompt_tokens: 1000, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 400 } };
    assertClose(new TokenCoster(miniRates).trueCost(usage, 'direct'), 0.00015);
  });

  it('true batch cost assumes no cached discount unless a batch cached price is configured', () => {
    const usage = { prompt_tokens: 1000, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 400 } };
    assertClose(new TokenCoster(miniRates).trueCost(usage, 'batch'), 0.00009);
    const discounted = new TokenCoster({ ...miniRates, cost_input_batch_cached_mtoken: 0.0375 });
    assertClose(discounted.trueCost(usage, 'batch'), 600 * 0.075e-6 + 400 * 0.0375e-6 + 50 * 0.3e-6);
    assertClose(new TokenCoster({ ...miniRates, cost_input_batch_cached_mtoken: null }).trueCost(usage, 'batch'), 0.00009);
  });

  it('reads responses usage (input/output tokens) and embeddings usage (no completion)', () => {
    const coster = new TokenCoster(miniRates);
    const responsesUsage = { input_tokens: 1000, output_tokens: 50, input_tokens_details: { cached_tokens: 400 }, output_tokens_details: { reasoning_tokens: 30 } };
    assertClose(coster.trueCost(responsesUsage, 'direct'), 0.00015);
    assertClose(coster.trueCost({ prompt_tokens: 1000, total_tokens: 1000 }, 'batch'), 0.000075);
  });

  it('a negative or non-numeric price is an error naming it', () => {
    assert.throws(() => new TokenCoster({ ...miniRates, cost_output_batch_mtoken: -1 }), /cost_output_batch_mtoken/);
    assert.throws(() => new TokenCoster({ ...miniRates, cost_input_batch_cached_mtoken: -0.5 }), InvalidInputError);
    assert.throws(() => new TokenCoster({ ...miniRates, cost_input_direct_mtoken: Number.NaN }), InvalidInputError);
  });

  it('an unusable usage object is an API error', () => {
    const coster = new TokenCoster(miniRates);
    assert.throws(() => coster.trueCost(undefined, 'direct'), (error) => EngineError.is(error, 'api'));
    assert.throws(() => coster.trueCost({ prompt_tokens: 'x', completion_tokens: 1 }, 'direct'), /prompt_tokens/);
    const tooManyCached = { prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 11 } };
    assert.throws(() => coster.trueCost(tooManyCached, 'direct'), /cached/);
  });
});

describe('half-to-even rounding', () => {
  it('rounds exact halves to the even neighbour and everything else to the nearest', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 1024.5, 1025.5, -0.5, -1.5, 2.4999, 2.5001].map(roundHalfEven), [0, 2, 2, 1024, 1026, 0, -2, 2, 3]);
    assert.ok(Object.is(roundHalfEven(-0.2), 0), 'never negative zero');
  });
});
