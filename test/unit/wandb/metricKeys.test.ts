import assert from 'node:assert/strict';
import { scalarEntries, usageMetrics } from '../../../src/engine/wandb/metricKeys';

describe('usageMetrics', () => {
  it('maps token counts to ktok keys and keeps other numerics unchanged', () => {
    const metrics = usageMetrics({
      prompt_tokens: 1500,
      completion_tokens: 250,
      total_tokens: 1750,
      num_requests: 3,
      model: 'gpt-4o-mini',
      prompt_tokens_details: { cached_tokens: 400, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 100, accepted_prediction_tokens: 2, rejected_prediction_tokens: 1, audio_tokens: 0 },
    });
    assert.deepEqual(metrics, {
      'Usage/prompt_ktok': 1.5,
      'Usage/completion_ktok': 0.25,
      'Usage/total_ktok': 1.75,
      'Usage/num_requests': 3,
      'Usage/prompt_ktok_cached': 0.4,
      'Usage/prompt_ktok_audio': 0,
      'Usage/completion_ktok_reasoning': 0.1,
      'Usage/completion_ktok_accepted_prediction': 0.002,
      'Usage/completion_ktok_rejected_prediction': 0.001,
      'Usage/completion_ktok_audio': 0,
    });
  });

  it('skips null details and non-numeric values', () => {
    assert.deepEqual(usageMetrics({ prompt_tokens: 10, prompt_tokens_details: null, flag: true }), { 'Usage/prompt_ktok': 0.01 });
  });
});

describe('scalarEntries', () => {
  it('prefixes scalar entries and skips objects, arrays and nulls', () => {
    const entries = scalarEntries('TaskMeta/', { model: 'gpt', n: 3, ok: false, nested: { a: 1 }, list: [1], none: null });
    assert.deepEqual(entries, { 'TaskMeta/model': 'gpt', 'TaskMeta/n': 3, 'TaskMeta/ok': false });
  });

  it('keeps only the first max scalar entries', () => {
    const obj = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i]));
    const entries = scalarEntries('Task/committed_', obj);
    assert.equal(Object.keys(entries).length, 100);
    assert.equal(entries['Task/committed_k99'], 99);
    assert.equal(entries['Task/committed_k100'], undefined);
    assert.equal(Object.keys(scalarEntries('X/', obj, 5)).length, 5);
  });
});
