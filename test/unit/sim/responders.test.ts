import assert from 'node:assert/strict';
import { builtInResponders, unicodeType } from '../../../src/sim/responders';

const unicode = builtInResponders.get('UnicodeCharacterInfo');
const utterance = builtInResponders.get('UtteranceInfo');

describe('demo responders', () => {
  it('classify characters by Unicode general category', () => {
    const expected: [string, string][] = [
      ['a', 'letter'],
      ['Ж', 'letter'],
      ['7', 'number'],
      ['½', 'number'],
      ['!', 'punctuation'],
      ['€', 'currency'],
      ['$', 'currency'],
      ['+', 'symbol'],
      [' ', 'space'],
      ['\u00a0', 'space'],
      ['\u0007', 'control'],
      ['\u0301', 'mark'],
      ['😀', 'emoji'],
    ];
    for (const [character, type] of expected) assert.equal(unicodeType(character), type, JSON.stringify(character));
  });

  it('describe a character with its code point and use it twice in the sample sentence', () => {
    assert.ok(unicode);
    const answer = unicode({ lastUserText: 'Character: €', schema: {}, variation: 'v1' });
    assert.ok(answer);
    assert.equal(answer.character, '€');
    assert.equal(answer.type, 'currency');
    assert.match(answer.description as string, /U\+20AC/);
    assert.ok((answer.sample_sentence as string).split('€').length - 1 >= 2);
  });

  it('unwrap quoted whitespace characters', () => {
    assert.ok(unicode);
    const answer = unicode({ lastUserText: 'Character: "\t"', schema: {}, variation: 'v' });
    assert.equal(answer?.character, '\t');
    assert.match(answer?.description as string, /U\+0009/);
  });

  it('leave prompts in another format to the generic answer', () => {
    assert.equal(unicode?.({ lastUserText: 'What is this?', schema: {}, variation: 'v' }), undefined);
    assert.equal(utterance?.({ lastUserText: 'Hello', schema: {}, variation: 'v' }), undefined);
  });

  it('mostly follow emotion keywords, with some disagreement between requests', () => {
    assert.ok(utterance);
    const answers = Array.from({ length: 40 }, (_, i) => utterance({ lastUserText: 'UTTERANCE:\nI am so happy, thank you!', schema: {}, variation: `req-${i}` }));
    const joy = answers.filter((a) => a?.emotion === 'joy').length;
    assert.ok(joy > 20, `joy in ${joy} of 40`);
    assert.ok(joy < 40, 'some opinions differ');
    for (const answer of answers) assert.equal(typeof answer?.is_clear, 'boolean');
    assert.deepEqual(utterance({ lastUserText: 'UTTERANCE:\nok', schema: {}, variation: 'same' }), utterance({ lastUserText: 'UTTERANCE:\nok', schema: {}, variation: 'same' }));
  });
});
