import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { InvalidInputError } from '../../../src/shared/errors';
import { endpointWireFor } from '../../../src/engine/endpoints/endpointRegistry';
import { engineBatch, engineError, engineResultLine, resultsFilePrefix } from '../../../src/engine/providers/anthropicWire';
import { knownPrices } from '../../../src/engine/tokens/prices';
import { TokenEstimator } from '../../../src/engine/tokens/estimator';
import { claudeTokensFactor } from '../../../src/engine/tokens/claudeTokens';

const messages = endpointWireFor('/v1/messages');
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };

function messageBody(content: Record<string, unknown>[], stopReason: string): Record<string, unknown> {
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-haiku-4-5',
    content,
    stop_reason: stopReason,
    usage: { input_tokens: 60, cache_read_input_tokens: 40, cache_creation_input_tokens: 0, output_tokens: 30 },
  };
}

function batch(status: Anthropic.Messages.MessageBatch['processing_status'], counts: Partial<Anthropic.Messages.MessageBatchRequestCounts>, extra: Partial<Anthropic.Messages.MessageBatch> = {}): Anthropic.Messages.MessageBatch {
  return {
    id: 'msgbatch_1',
    type: 'message_batch',
    processing_status: status,
    request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0, ...counts },
    created_at: '2026-12-03T10:00:00Z',
    expires_at: '2026-12-04T10:00:00Z',
    ended_at: status === 'ended' ? '2026-12-03T10:05:00Z' : null,
    cancel_initiated_at: null,
    archived_at: null,
    results_url: status === 'ended' ? 'https://api.anthropic.com/v1/messages/batches/msgbatch_1/results' : null,
    ...extra,
  };
}

describe("Anthropic's wire formats", () => {
  describe('/v1/messages bodies and answers', () => {
    const structured = messages.buildBody({
      request: { model: 'claude-haiku-4-5', max_tokens: 100 },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Where?' },
      ],
      structured: { name: 'City', schema },
    });

    it('sends system messages as `system` and a response schema as one forced tool', () => {
      assert.equal(structured.system, 'Be brief.');
      assert.deepEqual(structured.messages, [{ role: 'user', content: 'Where?' }]);
      assert.deepEqual(structured.tool_choice, { type: 'tool', name: 'City' });
      assert.deepEqual((structured.tools as { input_schema: unknown }[])[0]?.input_schema, schema);
    });

    it('refuses a body without max_tokens, naming the key', () => {
      assert.throws(() => messages.buildBody({ request: { model: 'claude-haiku-4-5' }, messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof InvalidInputError && /request\.max_tokens is required/.test(e.message));
    });

    it('parses the forced tool input and stores cache reads as cached prompt tokens', () => {
      const processed = messages.processResponse(messageBody([{ type: 'tool_use', id: 't', name: 'City', input: { city: 'Oslo' } }], 'tool_use'), structured, {}, 'req_1');
      assert.equal(processed.error, null);
      assert.deepEqual(messages.answerOutput(processed.resp?.payload ?? {}), { city: 'Oslo' });
      assert.deepEqual(processed.resp?.usage, { prompt_tokens: 100, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens: 30, completion_tokens_details: { reasoning_tokens: 0 }, total_tokens: 130 });
    });

    it('a tool input that breaks the schema, a max_tokens stop and an unknown stop are errors of their kind', () => {
      const invalid = messages.processResponse(messageBody([{ type: 'tool_use', id: 't', name: 'City', input: { town: 'Oslo' } }], 'tool_use'), structured, {}, undefined);
      assert.equal(invalid.error?.subtype, 'ValidationError');
      const cut = messages.processResponse(messageBody([{ type: 'text', text: '{"ci' }], 'max_tokens'), structured, {}, undefined);
      assert.equal(cut.warnings[0]?.subtype, 'FinishReason');
      assert.equal(cut.error?.subtype, 'FinishReason');
      assert.equal(cut.error?.fatal, false);
      const odd = messages.processResponse(messageBody([{ type: 'text', text: 'x' }], 'pause_turn'), { model: 'm', max_tokens: 5 }, {}, undefined);
      assert.equal(odd.error?.fatal, true);
      const plain = messages.processResponse(messageBody([{ type: 'text', text: 'Oslo' }], 'end_turn'), { model: 'm', max_tokens: 5 }, {}, undefined);
      assert.equal(messages.answerOutput(plain.resp?.payload ?? {}), 'Oslo');
    });

    it('an OpenAI chat completion is not a Message', () => {
      const processed = messages.processResponse({ object: 'chat.completion', choices: [] }, { model: 'm', max_tokens: 5 }, {}, undefined);
      assert.equal(processed.error?.subtype, 'ObjectIncorrect');
    });
  });

  describe('Message Batches in the Batch API vocabulary', () => {
    it('maps processing statuses and request counts, and names the results as the output file once ended', () => {
      const running = engineBatch(batch('in_progress', { processing: 3, succeeded: 1, errored: 1 }), 'in');
      assert.equal(running.status, 'in_progress');
      assert.deepEqual(running.request_counts, { total: 5, completed: 1, failed: 1 });
      assert.equal(running.output_file_id, null);
      assert.equal(running.input_file_id, 'in');
      assert.equal(engineBatch(batch('canceling', { processing: 1 }), 'in').status, 'cancelling');
      const done = engineBatch(batch('ended', { succeeded: 4, errored: 1 }), 'in');
      assert.equal(done.status, 'completed');
      assert.equal(done.output_file_id, `${resultsFilePrefix}msgbatch_1`);
      assert.equal(done.created_at, Date.parse('2026-12-03T10:00:00Z') / 1000);
      assert.equal(engineBatch(batch('ended', { succeeded: 1, expired: 2 }), 'in').status, 'expired');
      assert.equal(engineBatch(batch('ended', { canceled: 2 }, { cancel_initiated_at: '2026-12-03T10:01:00Z' }), 'in').status, 'cancelled');
    });

    it('turns results into output lines: 200 answers, statuses of error types, and requeued canceled and expired requests', () => {
      const message = messageBody([{ type: 'text', text: 'x' }], 'end_turn') as unknown as Anthropic.Messages.Message;
      assert.deepEqual(engineResultLine({ custom_id: 'id-1', result: { type: 'succeeded', message } }).response, { status_code: 200, body: message });
      const errored = (type: Anthropic.ErrorObject['type']) =>
        (engineResultLine({ custom_id: 'id-2', result: { type: 'errored', error: { type: 'error', error: { type, message: 'm' } as Anthropic.ErrorObject, request_id: null } } }).response as { status_code: number }).status_code;
      assert.equal(errored('invalid_request_error'), 400);
      assert.equal(errored('overloaded_error'), 529);
      assert.equal(errored('api_error'), 500);
      assert.deepEqual((engineResultLine({ custom_id: 'id-3', result: { type: 'canceled' } }).error as { code: string }).code, 'batch_cancelled');
      assert.deepEqual((engineResultLine({ custom_id: 'id-4', result: { type: 'expired' } }).error as { code: string }).code, 'batch_expired');
    });

    it("presents the Anthropic client's errors as the openai client's, with status and message", () => {
      const overloaded = Anthropic.APIError.generate(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, undefined, new Headers());
      const translated = engineError(overloaded, Anthropic);
      assert.ok(translated instanceof OpenAI.APIError);
      assert.equal(translated.status, 529);
      assert.match(translated.message, /Overloaded/);
      assert.ok(engineError(new Anthropic.APIUserAbortError(), Anthropic) instanceof OpenAI.APIUserAbortError);
      assert.ok(engineError(Anthropic.APIError.generate(404, undefined, 'gone', new Headers()), Anthropic) instanceof OpenAI.NotFoundError);
    });
  });

  it('prices Claude models and their dated snapshots; counts their tokens as gpt-4o times the Claude factor', () => {
    assert.equal(knownPrices('claude-haiku-4-5-20251001')?.cost_input_batch_mtoken, 0.5);
    assert.equal(knownPrices('claude-sonnet-4-5')?.cost_output_direct_mtoken, 15);
    const estimator = new TokenEstimator({ warn: 'never' });
    const chat = estimator.estimateInput({ model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Where is Oslo?' }] }, '/v1/chat/completions').total;
    const claude = estimator.estimateInput({ model: 'claude-haiku-4-5', max_tokens: 5, system: 'Be brief.', messages: [{ role: 'user', content: 'Where is Oslo?' }] }, '/v1/messages');
    assert.equal(claude.total, Math.round(chat * claudeTokensFactor));
    assert.equal(claude.meta + claude.text + claude.image + claude.format + claude.tools + claude.functions + claude.extra, claude.total);
  });
});
