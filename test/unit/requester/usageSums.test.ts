import assert from 'node:assert/strict';
import { accumulateUsage, addUsage } from '../../../src/engine/requester/accounting';
import type { UsageTotals } from '../../../src/shared/requesterState';

describe('usage sums', () => {
  const completion = { prompt_tokens: 19, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 3, audio_tokens: 0 }, service: 'text is ignored' };

  it('adds field by field into a new object, nested details too, leaving both sides as they were', () => {
    const a = { prompt_tokens: 1, prompt_tokens_details: { cached_tokens: 1 } };
    assert.deepEqual(addUsage(a, completion), { prompt_tokens: 20, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 } });
    assert.deepEqual(a, { prompt_tokens: 1, prompt_tokens_details: { cached_tokens: 1 } });
    const copy = addUsage({}, completion);
    (copy.prompt_tokens_details as UsageTotals).cached_tokens = 0;
    assert.deepEqual(completion.prompt_tokens_details, { cached_tokens: 3, audio_tokens: 0 });
  });

  it('sums many in place without sharing the nested objects of what it adds', () => {
    const into = {};
    accumulateUsage(into, completion);
    accumulateUsage(into, completion);
    assert.deepEqual(into, { prompt_tokens: 38, completion_tokens: 24, prompt_tokens_details: { cached_tokens: 6, audio_tokens: 0 } });
    assert.deepEqual(completion.prompt_tokens_details, { cached_tokens: 3, audio_tokens: 0 });
  });

  it('refuses a field that is a number on one side and an object on the other', () => {
    assert.throws(() => addUsage({ prompt_tokens: 1 }, { prompt_tokens: { text: 1 } }), /Usage field 'prompt_tokens' is both a number and an object/);
    assert.throws(() => addUsage({ details: { a: 1 } }, { details: 2 }), /Usage field 'details' is both a number and an object/);
  });
});
