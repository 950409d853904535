import assert from 'node:assert/strict';
import { MemoryLogger } from '../../../src/engine/log';
import { TokenEstimator, type InputTokensCount } from '../../../src/engine/tokens/estimator';
import { blackPng, dataUrl, imagePart, textPart, userParts } from '../../support/tokens/images';

const chat = '/v1/chat/completions';

function assertInvariants(count: InputTokensCount): void {
  assert.equal(count.total, count.fixed + count.msg_total + count.format + count.tools + count.functions);
  assert.equal(count.meta + count.text + count.image + count.format + count.tools + count.functions + count.extra, count.total);
  const roles = count.msg_system + count.msg_user + count.msg_assistant + count.msg_tool + count.msg_function + count.msg_other;
  assert.equal(roles, count.msg_total);
}

function estimate(payload: Record<string, unknown>, estimator = new TokenEstimator()): InputTokensCount {
  const count = estimator.estimateInput(payload, chat);
  assertInvariants(count);
  return count;
}

const terseConversation = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi there', name: 'bob' },
];
const joinedParts = [{ role: 'user', content: [textPart('First part.'), textPart('Second part')] }];

describe('token estimator: chat messages (reference examples E1–E11)', () => {
  it('E1: one user message on gpt-4o', () => {
    const count = estimate({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] });
    assert.deepEqual(
      { total: count.total, fixed: count.fixed, msg_user: count.msg_user, meta: count.meta, text: count.text, extra: count.extra },
      { total: 8, fixed: 3, msg_user: 5, meta: 1, text: 1, extra: 6 },
    );
  });

  it('E2: system message and a named user message on gpt-4o-mini', () => {
    const count = estimate({ model: 'gpt-4o-mini', messages: terseConversation });
    assert.deepEqual(
      { total: count.total, system: count.msg_system, user: count.msg_user, meta: count.meta, text: count.text, extra: count.extra },
      { total: 19, system: 8, user: 8, meta: 3, text: 6, extra: 10 },
    );
  });

  it('E3: the same on o1-mini pays the message gap, the larger name overhead and the unended text', () => {
    const count = estimate({ model: 'o1-mini', messages: terseConversation });
    assert.deepEqual(
      { total: count.total, system: count.msg_system, user: count.msg_user, meta: count.meta, text: count.text, extra: count.extra },
      { total: 30, system: 8, user: 19, meta: 3, text: 7, extra: 20 },
    );
  });

  it('E4/E5: o1 adds one token for text not ending in punctuation', () => {
    const hello = estimate({ model: 'o1-mini', messages: [{ role: 'user', content: 'Hello' }] });
    assert.equal(hello.total, 9);
    assert.equal(hello.text, 2);
    const thanks = estimate({ model: 'o1-mini', messages: [{ role: 'user', content: 'Thanks!' }] });
    assert.equal(thanks.total, 9);
    assert.equal(thanks.text, 2);
  });

  it('E6/E7: a text part after one ending in a period costs one token less', () => {
    const gpt = estimate({ model: 'gpt-4o', messages: joinedParts });
    assert.equal(gpt.text, 4);
    assert.equal(gpt.total, 11);
    const o1 = estimate({ model: 'o1-preview', messages: joinedParts });
    assert.equal(o1.text, 5);
    assert.equal(o1.total, 12);
  });

  it('E8: a developer message counts as another role', () => {
    const count = estimate({ model: 'gpt-4o', messages: [{ role: 'developer', content: 'Be nice.' }, { role: 'user', content: 'Hello' }] });
    assert.equal(count.total, 15);
    assert.equal(count.msg_other, 7);
    assert.equal(count.msg_user, 5);
  });

  it('E9: tool_call_id counts as meta of a tool message', () => {
    const count = estimate({ model: 'gpt-4o', messages: [{ role: 'tool', content: '42', tool_call_id: 'call_abc' }] });
    assert.equal(count.total, 11);
    assert.equal(count.meta, 4);
    assert.equal(count.msg_tool, 8);
  });

  it('E10: text, a 1024x1024 high-detail image, text', () => {
    const payload = userParts('gpt-4o', [textPart('Look:'), imagePart(dataUrl(blackPng(1024, 1024)), 'high'), textPart('What is it?')]);
    const count = estimate(payload);
    assert.equal(count.image, 765);
    assert.equal(count.text, 6);
    assert.equal(count.total, 778);
  });

  it('E11: a low-detail image on gpt-4o-mini', () => {
    const count = estimate(userParts('gpt-4o-mini', [imagePart(dataUrl(blackPng(16, 16)), 'low')]));
    assert.equal(count.image, 2833);
    assert.equal(count.total, 2840);
  });
});

describe('token estimator: message details', () => {
  it('ignores non-string fields such as tool_calls and null content', () => {
    const plain = estimate({ model: 'gpt-4o', messages: [{ role: 'assistant', content: null }] });
    const withCalls = estimate({
      model: 'gpt-4o',
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function', function: { name: 'f', arguments: '{}' } }] }],
    });
    assert.equal(plain.total, 3 + 3 + 1);
    assert.equal(withCalls.total, plain.total);
  });

  it('an unknown part type counts 0, warns, and breaks the text-join rule', () => {
    const logger = new MemoryLogger();
    const estimator = new TokenEstimator({ logger });
    const audio = { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } };
    const joined = estimate(userParts('gpt-4o', [textPart('First part.'), textPart('Second part')]), estimator);
    const separated = estimate(userParts('gpt-4o', [textPart('First part.'), audio, textPart('Second part')]), estimator);
    assert.equal(joined.text, 4);
    assert.equal(separated.text, 5);
    assert.match(logger.text(), /input_audio/);
  });

  it('a text part following one that ends in a lone space token also joins, other endings do not', () => {
    // "Hello " is [Hello][ ], "Hello!" is [Hello][!], "world" is one token.
    assert.equal(estimate(userParts('gpt-4o', [textPart('Hello '), textPart('world')])).text, 2);
    assert.equal(estimate(userParts('gpt-4o', [textPart('Hello!'), textPart('world')])).text, 3);
  });

  it('an empty text part after a period never counts negative tokens', () => {
    const count = estimate(userParts('gpt-4o', [textPart('Done.'), textPart('')]));
    assert.equal(count.text, 2);
  });

  it('a message that is not an object warns and counts nothing', () => {
    const logger = new MemoryLogger();
    const count = estimate({ model: 'gpt-4o', messages: ['hello'] }, new TokenEstimator({ logger }));
    assert.equal(count.total, 3);
    assert.match(logger.text(), /not an object/);
  });

  it('special-token text is counted as ordinary text', () => {
    const count = estimate({ model: 'gpt-4o', messages: [{ role: 'user', content: '<|endoftext|>' }] });
    assert.ok(count.text > 1);
  });
});
