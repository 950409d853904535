import assert from 'node:assert/strict';
import { failureActions } from '../../../src/extension/failureActions';
import { CorruptedStateError, InvalidInputError, MissingApiKeyError } from '../../../src/shared/errors';

describe('the buttons of a failed command’s notification', () => {
  it('offer to set the Anthropic key when an Anthropic run has none, before Show Log', () => {
    assert.deepEqual(failureActions(new MissingApiKeyError('anthropic', 'No Anthropic API key: set one')), [
      { title: 'Set Anthropic API Key', command: 'gptBatch.setAnthropicApiKey' },
      { title: 'Show Log' },
    ]);
  });

  it('offer to set the OpenAI key when an OpenAI run has none', () => {
    assert.deepEqual(failureActions(new MissingApiKeyError('openai', 'No OpenAI API key: set one')), [
      { title: 'Set API Key', command: 'gptBatch.setApiKey' },
      { title: 'Show Log' },
    ]);
  });

  it('offer only Show Log for failures that no command fixes', () => {
    for (const error of [new InvalidInputError('bad flag'), new CorruptedStateError('/tmp/task.db', 'truncated'), new Error('boom'), 'text']) {
      assert.deepEqual(failureActions(error), [{ title: 'Show Log' }]);
    }
  });
});
