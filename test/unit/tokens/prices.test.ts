import assert from 'node:assert/strict';
import { fallbackPrices, knownPrices } from '../../../src/engine/tokens/prices';

describe('model prices', () => {
  it('knows a model and its dated snapshots, with batch at half the direct price', () => {
    const mini = knownPrices('gpt-4o-mini');
    assert.deepEqual(mini, {
      cost_input_direct_mtoken: 0.15,
      cost_input_cached_mtoken: 0.075,
      cost_input_batch_mtoken: 0.075,
      cost_output_direct_mtoken: 0.6,
      cost_output_batch_mtoken: 0.3,
    });
    assert.deepEqual(knownPrices('gpt-4o-mini-2024-07-18'), mini);
    for (const model of ['gpt-4o', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano']) {
      assert.ok(knownPrices(model), model);
    }
  });

  it('a snapshot priced apart keeps its own price', () => {
    assert.equal(knownPrices('gpt-4o-2024-05-13')?.cost_input_direct_mtoken, 5);
    assert.equal(knownPrices('gpt-4o-2024-08-06')?.cost_input_direct_mtoken, 2.5);
  });

  it('does not know fine-tuned, preview or unrelated models, nor names that only look like keys', () => {
    for (const model of ['ft:gpt-4o-mini-2024-07-18:org::abc', 'gpt-4o-audio-preview', 'llama3', 'constructor', '__proto__']) {
      assert.equal(knownPrices(model), undefined, model);
    }
    assert.equal(fallbackPrices().cost_input_direct_mtoken, 2.5);
  });
});
