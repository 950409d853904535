import assert from 'node:assert/strict';
import { parseVerboseBlock } from '../../../src/worker/verboseCapture';

describe('parseVerboseBlock', () => {
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ERROR INFO: inside a string\nsecond line' }] };
  const block = (response?: unknown) =>
    [
      '─'.repeat(100),
      'REQUEST ID: 17',
      'METHOD: POST',
      'ENDPOINT: /v1/chat/completions',
      'REQUEST INFO: {"meta":{"sample_key":"a"}}',
      `REQUEST JSON: ${JSON.stringify(request, null, 2)}`,
      ...(response === undefined ? [] : [`RESPONSE INFO: ${JSON.stringify(response, null, 2)}`, 'ERROR INFO: {"fatal": false}']),
    ].join('\n');

  it('reads the request of a dry-run block, whose response is missing', () => {
    assert.deepEqual(parseVerboseBlock(block()), { requestId: 17, request });
  });

  it('reads request and response of an executed block, ignoring later sections', () => {
    assert.deepEqual(parseVerboseBlock(block({ choices: [] })), { requestId: 17, request, response: { choices: [] } });
  });

  it('ignores every other log line', () => {
    assert.equal(parseVerboseBlock('Committing 12 generated requests'), undefined);
  });

  it('throws when a block was cut inside its JSON', () => {
    assert.throws(() => parseVerboseBlock(block().slice(0, -5)), SyntaxError);
  });
});
