import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/shared/errors';
import { MemoryLogger } from '../../../src/engine/log';
import { TokenEstimator } from '../../../src/engine/tokens/estimator';
import { blackPng, dataUrl } from '../../support/tokens/images';

const chat = '/v1/chat/completions';

describe('token estimator: output tokens', () => {
  const estimator = new TokenEstimator();

  it('reference values (70, 200), (1024, 2048), (2, 5) half to even, (0, 0)', () => {
    assert.deepEqual(estimator.estimateOutput({ max_completion_tokens: 200 }, chat, 0.35), { assumed: 70, max: 200 });
    assert.deepEqual(estimator.estimateOutput({}, chat, 0.5), { assumed: 1024, max: 2048 });
    assert.deepEqual(estimator.estimateOutput({ max_tokens: 5 }, chat, 0.5), { assumed: 2, max: 5 });
    assert.deepEqual(estimator.estimateOutput({ max_completion_tokens: -3 }, chat, 0.5), { assumed: 0, max: 0 });
  });

  it('max_completion_tokens wins over max_tokens even when smaller', () => {
    assert.deepEqual(estimator.estimateOutput({ max_completion_tokens: 10, max_tokens: 1000 }, chat, 1), { assumed: 10, max: 10 });
  });

  it('a missing ratio, a ratio outside [0, 1] or a non-numeric max is an error', () => {
    assert.throws(() => estimator.estimateOutput({}, chat, null as unknown as number), InvalidInputError);
    assert.throws(() => estimator.estimateOutput({}, chat, undefined as unknown as number), InvalidInputError);
    assert.throws(() => estimator.estimateOutput({}, chat, 1.5), InvalidInputError);
    assert.throws(() => estimator.estimateOutput({ max_tokens: '100' }, chat, 0.5), /max_tokens/);
  });

  it('responses use max_output_tokens; embeddings produce no output', () => {
    assert.deepEqual(estimator.estimateOutput({ max_output_tokens: 300 }, '/v1/responses', 0.5), { assumed: 150, max: 300 });
    assert.deepEqual(estimator.estimateOutput({ max_tokens: 300 }, '/v1/responses', 0.5), { assumed: 1024, max: 2048 });
    assert.deepEqual(estimator.estimateOutput({ input: 'x' }, '/v1/embeddings', 0.5), { assumed: 0, max: 0 });
  });
});

describe('token estimator: endpoints', () => {
  it('an unsupported endpoint is an InvalidInputError naming it, for input and output', () => {
    const estimator = new TokenEstimator();
    assert.throws(() => estimator.estimateInput({ model: 'gpt-4o' }, '/v1/completions'), /'\/v1\/completions'/);
    assert.throws(() => estimator.estimateOutput({ model: 'gpt-4o' }, '/v1/moderations', 0.5), InvalidInputError);
  });

  it('embeddings count the tokens of each string, or the length of each token array', () => {
    const estimator = new TokenEstimator();
    const count = (input: unknown) => estimator.estimateInput({ model: 'text-embedding-3-small', input }, '/v1/embeddings');
    // cl100k_base: "hello world" is 2 tokens, "abc" is 1.
    assert.equal(count('hello world').total, 2);
    assert.equal(count(['hello world', 'abc']).total, 3);
    assert.equal(count([1, 2, 3, 4]).total, 4);
    assert.equal(count([[1, 2], [3, 4, 5]]).total, 5);
    const breakdown = count(['hello world', 'abc']);
    assert.equal(breakdown.text, 3);
    assert.equal(breakdown.msg_user, 3);
    assert.equal(breakdown.extra, 0);
  });

  it('embeddings input that is not text or tokens warns and counts 0', () => {
    const logger = new MemoryLogger();
    const count = new TokenEstimator({ logger }).estimateInput({ model: 'text-embedding-3-small', input: [{ a: 1 }] }, '/v1/embeddings');
    assert.equal(count.total, 0);
    assert.match(logger.text(), /Embeddings input/);
  });

  it('responses count like the equivalent chat request', () => {
    const estimator = new TokenEstimator();
    const png = dataUrl(blackPng(1024, 1024));
    const chatCount = estimator.estimateInput(
      {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: png, detail: 'high' } }] },
        ],
      },
      chat,
    );
    const responsesCount = estimator.estimateInput(
      {
        model: 'gpt-4o',
        instructions: 'Be brief.',
        input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look:' }, { type: 'input_image', image_url: png, detail: 'high' }] }],
      },
      '/v1/responses',
    );
    assert.deepEqual(responsesCount, chatCount);
    const stringInput = estimator.estimateInput({ model: 'gpt-4o', input: 'Hello' }, '/v1/responses');
    assert.equal(stringInput.total, 8, 'like E1');
  });

  it('responses tools are flat function definitions and text.format is a json_schema format', () => {
    const estimator = new TokenEstimator();
    const parameters = { type: 'object', title: 'P', properties: { city: { type: 'string', title: 'City' } } };
    const chatCount = estimator.estimateInput(
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hello' }],
        tools: [{ type: 'function', function: { name: 'f', description: 'Does f.', parameters } }],
        tool_choice: 'none',
        response_format: { type: 'json_schema', json_schema: { name: 'Out', schema: parameters } },
      },
      chat,
    );
    const responsesCount = estimator.estimateInput(
      {
        model: 'gpt-4o',
        input: 'Hello',
        tools: [{ type: 'function', name: 'f', description: 'Does f.', parameters }],
        tool_choice: 'none',
        text: { format: { type: 'json_schema', name: 'Out', schema: parameters } },
      },
      '/v1/responses',
    );
    assert.ok(chatCount.tools > 0 && chatCount.format > 0);
    assert.deepEqual(responsesCount, chatCount);
  });

  it('responses items that are not messages, and image file ids, warn', () => {
    const logger = new MemoryLogger();
    const count = new TokenEstimator({ logger, warn: 'always' }).estimateInput(
      {
        model: 'gpt-4o',
        input: [
          { type: 'function_call_output', call_id: 'c', output: '42' },
          { role: 'user', content: [{ type: 'input_image', file_id: 'file-1', detail: 'high' }] },
        ],
      },
      '/v1/responses',
    );
    assert.equal(count.image, 85 + 8 * 170, 'an image of unknown size counts the worst case');
    assert.match(logger.text(), /function_call_output/);
    assert.match(logger.text(), /file id/);
  });
});
