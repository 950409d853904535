import assert from 'node:assert/strict';
import { parsedAnswer, promptText } from '../../../src/host/answerPreview';

/** Answer payloads as the engine stores them (output_text and output_parsed filled in by the endpoint's wire). */
const responsesAnswer = (content: unknown[], extra: Record<string, unknown> = {}) => ({ object: 'response', status: 'completed', output: [{ type: 'reasoning', summary: [] }, { type: 'message', role: 'assistant', content }], ...extra });

describe('parsed previews of answers of every endpoint and provider', () => {
  it('a Responses answer shows its structured output, else its text, and its refusal', () => {
    assert.deepEqual(parsedAnswer(responsesAnswer([{ type: 'output_text', text: '{"summary":"tides"}' }], { output_text: '{"summary":"tides"}', output_parsed: { summary: 'tides' } })), { parsed: { summary: 'tides' } });
    assert.deepEqual(parsedAnswer(responsesAnswer([{ type: 'output_text', text: 'Tides ' }, { type: 'output_text', text: 'rise.' }])), { parsed: 'Tides rise.' });
    assert.deepEqual(parsedAnswer(responsesAnswer([{ type: 'refusal', refusal: 'I cannot help' }], { output_text: '' })), { parsed: '', refusal: ['I cannot help'] });
  });

  it("an Anthropic message shows the structured tool's input, else its text, and a refusal as such", () => {
    const toolUse = { type: 'message', stop_reason: 'tool_use', content: [{ type: 'tool_use', name: 'Response', input: { summary: 'tides' } }], output_text: '', output_parsed: { summary: 'tides' } };
    assert.deepEqual(parsedAnswer(toolUse), { parsed: { summary: 'tides' } });
    assert.deepEqual(parsedAnswer({ type: 'message', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Tides rise.' }], output_text: 'Tides rise.' }), { parsed: 'Tides rise.' });
    assert.deepEqual(parsedAnswer({ type: 'message', stop_reason: 'refusal', content: [], output_text: '' }), { parsed: '', refusal: '' });
  });

  it("an embeddings answer sums up its vectors' dimensions, model and input tokens before the vector", () => {
    const answer = { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: [0.6, 0.8] }], usage: { prompt_tokens: 5, total_tokens: 5 } };
    assert.deepEqual(parsedAnswer(answer), { summary: '1 vector of 2 dimensions · text-embedding-3-small · 5 input tokens', parsed: [0.6, 0.8] });
    const two = { ...answer, data: [answer.data[0], { object: 'embedding', index: 1, embedding: [1, 0] }] };
    assert.equal(parsedAnswer(two).summary, '2 vectors of 2 dimensions · text-embedding-3-small · 5 input tokens');
  });

  it('a chat completion shows its parsed content and the refusals of its choices', () => {
    assert.deepEqual(parsedAnswer({ object: 'chat.completion', choices: [{ message: { content: 'Hi', refusal: null } }] }), { parsed: 'Hi' });
    assert.deepEqual(parsedAnswer({ object: 'chat.completion', choices: [{ message: { content: null, refusal: 'No' } }] }), { parsed: null, refusal: ['No'] });
  });

  it("a request's input text: the last user message of chat, Responses and Anthropic bodies, the text to embed", () => {
    assert.equal(promptText({ model: 'm', messages: [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'Topic: tides' }] }), 'Topic: tides');
    assert.equal(promptText({ model: 'm', input: [{ role: 'developer', content: 'Be brief' }, { role: 'user', content: [{ type: 'input_text', text: 'Topic: tides' }] }] }), 'Topic: tides');
    assert.equal(promptText({ model: 'claude-haiku-4-5', system: 'Be brief', messages: [{ role: 'user', content: [{ type: 'text', text: 'Topic: tides' }] }] }), 'Topic: tides');
    assert.equal(promptText({ model: 'text-embedding-3-small', input: 'A text about tides' }), 'A text about tides');
    assert.equal(promptText({ model: 'text-embedding-3-small', input: ['first', 'second', 'third'] }), 'first (+2 more inputs)');
  });
});
