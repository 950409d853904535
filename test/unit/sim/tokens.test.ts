import assert from 'node:assert/strict';
import { TokenEstimator } from '../../../src/engine/tokens/estimator';
import { countPromptTokens, countTokens, truncateToTokens } from '../../../src/sim/tokens';

describe('simulator token counts', () => {
  it('count prompt tokens as the engine estimator predicts them, schema included', () => {
    const estimator = new TokenEstimator({ warn: 'never' });
    const bodies = [
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }] },
      { model: 'gpt-4o-mini', messages: [{ role: 'user', name: 'ann', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: ' there' }] }] },
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        response_format: { type: 'json_schema', json_schema: { name: 'X', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } } } } },
      },
    ];
    for (const body of bodies) assert.equal(countPromptTokens(body), estimator.estimateInput(body, '/v1/chat/completions').total);
  });

  it('truncate text to a number of tokens', () => {
    const text = 'one two three four five six seven';
    const cut = truncateToTokens(text, 3);
    assert.equal(countTokens(cut), 3);
    assert.ok(text.startsWith(cut));
    assert.equal(truncateToTokens(text, 100), text);
  });
});
