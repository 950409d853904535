import assert from 'node:assert/strict';
import { countPromptTokens, countTokens, truncateToTokens } from '../../../src/sim/tokens';

describe('simulator token counts', () => {
  it('count 3 per reply, 3 per message plus role and content, 1 more per name', () => {
    const one = countPromptTokens({ messages: [{ role: 'user', content: 'Hello there' }] });
    assert.equal(one, 3 + 3 + countTokens('user') + countTokens('Hello there'));
    const named = countPromptTokens({ messages: [{ role: 'user', name: 'ann', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: ' there' }] }] });
    assert.equal(named, one + 1 + countTokens('ann'));
  });

  it('add the tokens of the JSON of a json_schema response format', () => {
    const jsonSchema = { name: 'X', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } } } };
    const plain = countPromptTokens({ messages: [{ role: 'user', content: 'Hi' }] });
    const withSchema = countPromptTokens({ messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_schema', json_schema: jsonSchema } });
    assert.equal(withSchema - plain, countTokens(JSON.stringify(jsonSchema)));
  });

  it('truncate text to a number of tokens', () => {
    const text = 'one two three four five six seven';
    const cut = truncateToTokens(text, 3);
    assert.equal(countTokens(cut), 3);
    assert.ok(text.startsWith(cut));
    assert.equal(truncateToTokens(text, 100), text);
  });
});
