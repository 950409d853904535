import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/shared/errors';
import { endpointWireFor } from '../../../src/engine/endpoints/endpointRegistry';
import { embeddingInputCount } from '../../../src/engine/endpoints/embeddingsWire';
import { TokenCoster } from '../../../src/engine/tokens/coster';

const responses = endpointWireFor('/v1/responses');
const embeddings = endpointWireFor('/v1/embeddings');
const chat = endpointWireFor('/v1/chat/completions');

const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const structuredRequest = { model: 'gpt-4o-mini', input: 'x', text: { format: { type: 'json_schema', name: 'City', schema, strict: true } } };

function responseBody(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1,
    status: 'completed',
    model: 'gpt-4o-mini',
    output: [
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] },
    ],
    usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 40 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 10 }, total_tokens: 130 },
    ...extra,
  };
}

describe('endpoint wire formats', () => {
  describe('/v1/responses', () => {
    it('parses the structured output into output_parsed and stores the usage in the shape reports and costs read', () => {
      const processed = responses.processResponse(responseBody('{"city":"Oslo"}'), structuredRequest, {}, 'req_1');
      assert.equal(processed.error, null);
      assert.deepEqual(processed.warnings, []);
      assert.deepEqual(processed.resp?.payload.output_parsed, { city: 'Oslo' });
      assert.equal(processed.resp?.payload._request_id, 'req_1');
      assert.deepEqual(responses.answerOutput(processed.resp?.payload ?? {}), { city: 'Oslo' });
      assert.deepEqual(processed.resp?.usage, {
        prompt_tokens: 100,
        prompt_tokens_details: { cached_tokens: 40 },
        completion_tokens: 30,
        completion_tokens_details: { reasoning_tokens: 10 },
        total_tokens: 130,
      });
      const coster = new TokenCoster({ cost_input_direct_mtoken: 1, cost_input_cached_mtoken: 0.5, cost_input_batch_mtoken: 0.5, cost_output_direct_mtoken: 4, cost_output_batch_mtoken: 2 });
      assert.ok(Math.abs(coster.trueCost(processed.resp?.usage, 'batch') - (60 * 0.5 + 40 * 0.5 + 30 * 2) / 1e6) < 1e-15);
    });

    it('keeps the text of a request without a schema in output_text', () => {
      const processed = responses.processResponse(responseBody('Hello there'), { model: 'gpt-4o-mini', input: 'x' }, {}, undefined);
      assert.equal(processed.error, null);
      assert.equal(responses.answerOutput(processed.resp?.payload ?? {}), 'Hello there');
    });

    it('makes invalid JSON, an incomplete answer and a failed response retryable errors, and a refusal a warning', () => {
      const invalid = responses.processResponse(responseBody('{"town":1}'), structuredRequest, {}, undefined);
      assert.deepEqual([invalid.error?.type, invalid.error?.subtype, invalid.error?.fatal], ['AutoParse', 'ValidationError', false]);

      const incomplete = responses.processResponse(responseBody('{"ci', { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }), structuredRequest, {}, undefined);
      assert.deepEqual([incomplete.error?.subtype, incomplete.error?.fatal], ['FinishReason', false]);
      assert.match(incomplete.warnings[0]?.msg ?? '', /incomplete due to 'max_output_tokens'/);

      const failed = responses.processResponse(responseBody('', { status: 'failed', error: { code: 'server_error', message: 'boom' } }), structuredRequest, {}, undefined);
      assert.deepEqual([failed.error?.type, failed.error?.fatal], ['ResponseStatus', false]);
      assert.match(failed.error?.msg ?? '', /server_error: boom/);

      const refused = responseBody('');
      (refused.output as Record<string, unknown>[])[1] = { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] };
      const refusal = responses.processResponse(refused, structuredRequest, {}, undefined);
      assert.match(refusal.warnings[0]?.msg ?? '', /refused: No\./);
    });

    it('rejects a body of another endpoint as fatal', () => {
      const processed = responses.processResponse({ object: 'chat.completion' }, structuredRequest, {}, undefined);
      assert.deepEqual([processed.error?.subtype, processed.error?.fatal, processed.resp], ['ObjectIncorrect', true, null]);
    });

    it('builds input items and a strict text.format from a template, keeping other text options', () => {
      const body = responses.buildBody({ request: { model: 'm', text: { verbosity: 'low' } }, messages: [{ role: 'user', content: 'hi' }], structured: { name: 'City', schema } });
      assert.deepEqual(body, { model: 'm', input: [{ role: 'user', content: 'hi' }], text: { verbosity: 'low', format: { type: 'json_schema', name: 'City', schema, strict: true } } });
      assert.throws(() => responses.buildBody({ request: { model: 'm' }, text: 'embed me' }), InvalidInputError);
    });
  });

  describe('/v1/embeddings', () => {
    const list = (data: { index: number; embedding: number[] | string }[]) => ({ object: 'list', model: 'text-embedding-3-small', data, usage: { prompt_tokens: 7, total_tokens: 7 } });

    it('returns the vectors in input order and decodes base64 ones', () => {
      const base64 = Buffer.from(new Float32Array([0.5, -0.25]).buffer).toString('base64');
      const processed = embeddings.processResponse(list([{ index: 1, embedding: base64 }, { index: 0, embedding: [1, 0] }]), { model: 'e', input: ['a', 'b'] }, null, undefined);
      assert.equal(processed.error, null);
      assert.deepEqual(embeddings.answerOutput(processed.resp?.payload ?? {}), [[1, 0], [0.5, -0.25]]);
      assert.deepEqual(processed.resp?.usage, { prompt_tokens: 7, total_tokens: 7 });
    });

    it('makes a missing vector a retryable error', () => {
      const processed = embeddings.processResponse(list([{ index: 0, embedding: [1] }]), { model: 'e', input: ['a', 'b'] }, null, undefined);
      assert.deepEqual([processed.error?.subtype, processed.error?.fatal], ['IncorrectNum', false]);
    });

    it('counts inputs as the batch limit does: a string or a token array is one, a list one per entry', () => {
      assert.equal(embeddingInputCount({ input: 'text' }), 1);
      assert.equal(embeddingInputCount({ input: [1, 2, 3] }), 1);
      assert.equal(embeddingInputCount({ input: ['a', 'b', 'c'] }), 3);
      assert.equal(embeddingInputCount({ input: [[1], [2]] }), 2);
      assert.equal(embeddings.batchInputLimit, 50_000);
    });

    it('builds a body from the text to embed and refuses messages or a schema', () => {
      assert.deepEqual(embeddings.buildBody({ request: { model: 'e', dimensions: 8 }, text: 'hello' }), { model: 'e', dimensions: 8, input: 'hello' });
      assert.throws(() => embeddings.buildBody({ request: { model: 'e' }, messages: [{ role: 'user', content: 'x' }] }), InvalidInputError);
      assert.throws(() => embeddings.buildBody({ request: { model: 'e' }, text: 'x', structured: { name: 'S', schema } }), InvalidInputError);
    });
  });

  describe('/v1/chat/completions answer bodies', () => {
    const completion = () => ({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Oslo', refusal: null }, logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 1 },
      system_fingerprint: 'fp_1',
    });
    type Body = ReturnType<typeof completion> & Record<string, unknown>;
    const choice = (body: Body) => body.choices[0] as Record<string, unknown> & { message: Record<string, unknown> };
    const variant = (edit: (body: Body) => void) => {
      const body = completion() as Body;
      edit(body);
      return body;
    };

    it('accepts every body of the chat completion shape, with extra keys and the optional parts null or absent', () => {
      const sound = [
        variant(() => {}),
        variant((b) => Object.assign(b, { service_tier: 'default', extra: { nested: [1] } })),
        variant((b) => Object.assign(b, { usage: null, system_fingerprint: null })),
        variant((b) => {
          delete (b as Record<string, unknown>).usage;
          delete (b as Record<string, unknown>).system_fingerprint;
        }),
        variant((b) => Object.assign(choice(b).message, { content: null, refusal: 'No.' })),
        variant((b) => delete choice(b).message.refusal),
        variant((b) => Object.assign(choice(b).message, { content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }, { id: 'u' }] })),
        variant((b) => Object.assign(choice(b).message, { tool_calls: null, audio: { id: 'a' } })),
        variant((b) => Object.assign(b, { choices: [] })),
      ];
      for (const body of sound) {
        const processed = chat.processResponse(body, { model: 'm' }, null, undefined);
        assert.notEqual(processed.error?.subtype, 'ValidationError', JSON.stringify(body));
        assert.deepEqual(processed.resp?.payload, body);
      }
    });

    it("takes a sound body whatever an SDK added to it as hidden and read-only, and annotates its own copy", () => {
      const body = completion() as Body;
      Object.defineProperty(body, '_request_id', { value: 'req_sdk', enumerable: false, writable: false });
      const processed = chat.processResponse(body, { model: 'm' }, null, 'req_header');
      assert.equal(processed.error, null);
      assert.equal(processed.resp?.payload._request_id, 'req_header');
      assert.equal(body._request_id, 'req_sdk');
    });

    it('refuses a body off the shape as a fatal validation error naming the key', () => {
      const unsound: [Body, RegExp][] = [
        [variant((b) => Object.assign(b, { id: 1 })), /\(id: /],
        [variant((b) => Object.assign(b, { created: '1' })), /\(created: /],
        [variant((b) => delete (b as Record<string, unknown>).model), /\(model: /],
        [variant((b) => Object.assign(b, { choices: { 0: {} } })), /\(choices: /],
        [variant((b) => Object.assign(choice(b), { index: 0.5 })), /\(choices\.0\.index: /],
        [variant((b) => delete choice(b).finish_reason), /\(choices\.0\.finish_reason: /],
        [variant((b) => Object.assign(b, { choices: [null] })), /\(choices\.0: /],
        [variant((b) => Object.assign(choice(b), { message: 'Oslo' })), /\(choices\.0\.message: /],
        [variant((b) => delete choice(b).message.role), /\(choices\.0\.message\.role: /],
        [variant((b) => Object.assign(choice(b).message, { content: ['Oslo'] })), /\(choices\.0\.message\.content: /],
        [variant((b) => Object.assign(choice(b).message, { refusal: 1 })), /\(choices\.0\.message\.refusal: /],
        [variant((b) => Object.assign(choice(b).message, { tool_calls: { function: {} } })), /\(choices\.0\.message\.tool_calls: /],
        [variant((b) => Object.assign(choice(b).message, { tool_calls: [{ function: { name: 'f' } }] })), /\(choices\.0\.message\.tool_calls\.0\.function\.arguments: /],
        [variant((b) => Object.assign(b, { usage: [5] })), /\(usage: /],
        [variant((b) => Object.assign(b, { system_fingerprint: 7 })), /\(system_fingerprint: /],
      ];
      for (const [body, where] of unsound) {
        const processed = chat.processResponse(body, { model: 'm' }, null, undefined);
        assert.deepEqual([processed.error?.type, processed.error?.subtype, processed.error?.fatal], ['ResponseBody', 'ValidationError', true], JSON.stringify(body));
        assert.match(processed.error?.msg ?? '', where);
      }
    });
  });

  it('builds chat bodies with response_format and reads their parsed output', () => {
    const body = chat.buildBody({ request: { model: 'm' }, messages: [{ role: 'user', content: 'hi' }], structured: { name: 'City', schema } });
    assert.deepEqual(body.response_format, { type: 'json_schema', json_schema: { name: 'City', schema, strict: true } });
    assert.deepEqual(chat.answerOutput({ choices: [{ message: { content: '{"city":"Rome"}', parsed: { city: 'Rome' } } }] }), { city: 'Rome' });
  });
});
