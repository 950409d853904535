import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/shared/errors';
import { MemoryLogger } from '../../../src/engine/log';
import { TokenEstimator, type TokenWarnMode } from '../../../src/engine/tokens/estimator';
import { familiesOf } from '../../../src/engine/tokens/families';
import { blackPng, dataUrl, imagePart, userParts } from '../../support/tokens/images';

const chat = '/v1/chat/completions';
const hello = { model: 'llama3.1:70b', messages: [{ role: 'user', content: 'Hello' }] };

function warningsAfterTwoEstimates(warn: TokenWarnMode): string[] {
  const logger = new MemoryLogger();
  const estimator = new TokenEstimator({ warn, logger });
  estimator.estimateInput(hello, chat);
  estimator.estimateInput(hello, chat);
  return logger.records.map((record) => record.message);
}

describe('token estimator: models and encodings', () => {
  it('an unknown model uses o200k_base and the default constants, warning about both', () => {
    const logger = new MemoryLogger();
    const count = new TokenEstimator({ logger }).estimateInput(hello, chat);
    assert.equal(count.total, 8, 'the same as gpt-4o');
    assert.match(logger.text(), /'llama3\.1:70b'.*o200k_base/);
    assert.match(logger.text(), /'llama3\.1:70b'.*message overheads/);
  });

  it('a fine-tuned gpt-4o-mini uses o200k_base, the gpt-4o-mini image constants and supports json_schema', () => {
    const model = 'ft:gpt-4o-mini-2024-07-18:org::id';
    const families = familiesOf(model);
    assert.equal(families.encoding, 'o200k_base');
    assert.equal(families.image.config.lowTokens, 2833);
    assert.equal(families.func.jsonSchemaSupported, true);
    const logger = new MemoryLogger();
    const estimator = new TokenEstimator({ logger });
    const image = estimator.estimateInput(userParts(model, [imagePart(dataUrl(blackPng(16, 16)), 'high')]), chat).image;
    assert.equal(image, 8500);
    const format = { type: 'json_schema', json_schema: { name: 'A', schema: { type: 'object', properties: { a: { type: 'string', title: 'A' } } } } };
    estimator.estimateInput({ model, messages: [], response_format: format }, chat);
    assert.deepEqual(logger.records, []);
  });

  it('picks the encoding by family, including fine-tuned names', () => {
    const cases: [string, string][] = [
      ['gpt-4o-2024-08-06', 'o200k_base'],
      ['chatgpt-4o-latest', 'o200k_base'],
      ['o1-preview', 'o200k_base'],
      ['o3-mini', 'o200k_base'],
      ['gpt-4', 'cl100k_base'],
      ['gpt-4-0613', 'cl100k_base'],
      ['gpt-4-turbo', 'cl100k_base'],
      ['gpt-3.5-turbo-0125', 'cl100k_base'],
      ['gpt-35-turbo', 'cl100k_base'],
      ['ft:gpt-4-0613:org::id', 'cl100k_base'],
      ['ft:gpt-3.5-turbo-0125:org::id', 'cl100k_base'],
      ['ft:gpt-4o-2024-08-06:org::id', 'o200k_base'],
      ['text-embedding-3-small', 'cl100k_base'],
    ];
    for (const [model, encoding] of cases) {
      assert.equal(familiesOf(model).encoding, encoding, model);
      assert.equal(familiesOf(model).knownEncoding, true, model);
    }
  });

  it('counts with the encoding of the model: cl100k_base and o200k_base differ', () => {
    const text = 'Ünïcödé tëxt with sömé äccents and 数字 ＣＪＫ';
    const count = (model: string) => new TokenEstimator().estimateInput({ model, messages: [{ role: 'user', content: text }] }, chat).text;
    assert.notEqual(count('gpt-4'), count('gpt-4o'));
    assert.equal(count('gpt-4'), count('gpt-3.5-turbo'));
  });

  it('gpt-4 family constants differ for gpt-4 and gpt-4-turbo descriptions', () => {
    assert.equal(familiesOf('gpt-4-0613').func.config.funcDescPre, 0);
    assert.equal(familiesOf('gpt-4-0613').func.config.funcDescPost, 2);
    assert.equal(familiesOf('gpt-4-turbo-2024-04-09').func.config.funcDescPre, 1);
    assert.equal(familiesOf('gpt-4-turbo-2024-04-09').func.config.funcDescPost, 1);
    assert.equal(familiesOf('gpt-4o').func.config.funcDescPost, 0);
  });
});

describe('token estimator: warning modes', () => {
  it('once: each distinct warning is logged the first time only, marked (WARN ONCE)', () => {
    const messages = warningsAfterTwoEstimates('once');
    assert.equal(messages.length, 2);
    for (const message of messages) assert.match(message, / \(WARN ONCE\)$/);
  });

  it('always: every warning every time', () => {
    const messages = warningsAfterTwoEstimates('always');
    assert.equal(messages.length, 4);
    assert.ok(messages.every((message) => !message.includes('WARN ONCE')));
  });

  it('never: no warnings at all, and the numbers do not change', () => {
    assert.deepEqual(warningsAfterTwoEstimates('never'), []);
    const quiet = new TokenEstimator({ warn: 'never' }).estimateInput(hello, chat);
    assert.deepEqual(quiet, new TokenEstimator({ warn: 'always' }).estimateInput(hello, chat));
  });

  it('reset() makes once-warnings appear again', () => {
    const logger = new MemoryLogger();
    const estimator = new TokenEstimator({ logger });
    estimator.estimateInput(hello, chat);
    estimator.reset();
    estimator.estimateInput(hello, chat);
    assert.equal(logger.records.length, 4);
  });

  it('an invalid warn mode is rejected', () => {
    assert.throws(() => new TokenEstimator({ warn: 'sometimes' as TokenWarnMode }), InvalidInputError);
  });
});
