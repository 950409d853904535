import assert from 'node:assert/strict';
import { resultColumns, storedAnswerOfRow } from '../../../src/engine/db/storedResult';
import type { ResultInfo } from '../../../src/engine/requester/results';

/** A succeeded result of a request with a meta and a frozen estimate, answered by `payload`. */
function resultOf(payload: Record<string, unknown>): ResultInfo {
  return {
    req_id: 7,
    req_jsonl_size: 120,
    req_payload: { model: 'm', messages: [] },
    req_info: { id: 7, meta: { sample_key: 's7' }, retry_num: 1, tokens_cost: { input_tokens: 10, output_tokens: 3, max_output_tokens: 5, cost_input_direct: 0.1, cost_input_batch: 0.05, cost_output_direct: 0.2, cost_output_batch: 0.1 }, parse_info: {} },
    resp_info: { payload, model: 'm', system_fingerprint: 'fp', usage: { prompt_tokens: 10, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 2 } } },
    err_info: null,
    warn_infos: [],
    retry_counts: true,
    retry: false,
  };
}

const chat = (finishReason: string, message: Record<string, unknown>) => ({ object: 'chat.completion', choices: [{ index: 0, finish_reason: finishReason, message }] });

describe('stored results', () => {
  it('flags the answers the cut short and refusals filters list, for every endpoint and provider', () => {
    const cases: [string, Record<string, unknown>, { finishReason: string | null; cut: boolean; refused: boolean }][] = [
      ['chat answer', chat('stop', { content: 'fine', refusal: null }), { finishReason: 'stop', cut: false, refused: false }],
      ['chat refusal', chat('stop', { content: null, refusal: 'I cannot help' }), { finishReason: 'stop', cut: false, refused: true }],
      ['chat out of tokens', chat('length', { content: 'half' }), { finishReason: 'length', cut: true, refused: false }],
      ['chat filtered', chat('content_filter', { content: null }), { finishReason: 'content_filter', cut: true, refused: false }],
      ['Responses answer quoting a refusal', { object: 'response', status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: '"type":"refusal"' }] }] }, { finishReason: null, cut: false, refused: false }],
      ['Responses refusal', { object: 'response', status: 'completed', output: [{ type: 'reasoning', summary: [] }, { type: 'message', content: [{ type: 'refusal', refusal: 'No' }] }] }, { finishReason: null, cut: false, refused: true }],
      ['Responses incomplete', { object: 'response', status: 'incomplete', output: [] }, { finishReason: null, cut: true, refused: false }],
      ['Anthropic refusal', { type: 'message', stop_reason: 'refusal', content: [] }, { finishReason: 'refusal', cut: false, refused: true }],
      ['Anthropic out of tokens', { type: 'message', stop_reason: 'max_tokens', content: [] }, { finishReason: 'max_tokens', cut: true, refused: false }],
      ['embedding', { object: 'list', data: [{ embedding: [0.6, 0.8] }] }, { finishReason: null, cut: false, refused: false }],
    ];
    for (const [what, payload, expected] of cases) {
      const [finishReason, cutShort, refused] = resultColumns(resultOf(payload));
      assert.deepEqual({ finishReason, cut: cutShort === 1, refused: refused === 1 }, expected, what);
    }
  });

  it('keeps the answer and the verdict, not the request or the usage twice, and reads back what the task was handed', () => {
    const result = resultOf(chat('stop', { content: 'fine', refusal: null }));
    const [, , , usage, stored] = resultColumns(result);
    assert.deepEqual(Object.keys(JSON.parse(stored) as object).sort(), ['err_info', 'resp_info', 'retry', 'retry_counts', 'warn_infos']);
    assert.equal(stored.includes('tokens_cost'), false);
    assert.equal(stored.includes('cached_tokens'), false);
    const { req_id: _id, req_jsonl_size: _size, req_payload: _payload, req_info: _info, ...answer } = result;
    assert.deepEqual(storedAnswerOfRow('task.db', 7, stored, usage), answer);
  });

  it('reads back a row an earlier schema wrote whole, usage from its column', () => {
    const result = resultOf(chat('stop', { content: 'fine' }));
    const { req_payload: _payload, ...whole } = result;
    const { req_id: _id, req_jsonl_size: _size, req_info: _info, ...answer } = whole;
    assert.deepEqual(storedAnswerOfRow('task.db', 7, JSON.stringify(whole), JSON.stringify(result.resp_info?.usage)), answer);
  });
});
