import assert from 'node:assert/strict';
import { batchInputLine, batchInputLineOfJson, payloadJsonOfLine } from '../../../src/engine/requester/cachedRequest';
import { batchInputLineSchema, isBatchInputLine } from '../../../src/shared/requesterState';

describe('batch input lines from stored JSON', () => {
  const payloads: Record<string, unknown>[] = [
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
    { model: 'm', messages: [{ role: 'user', content: 'Ünïcödé — "quotes", \\ backslashes, \u2028 and 😀' }], temperature: 0.7, max_completion_tokens: 1e3 },
    { 2: 'integer-like keys are ordered first', b: null, a: [1.5, -0, 1e21, { nested: true }], response_format: { type: 'json_schema' } },
  ];

  it('is the line the parsed body makes, byte for byte, for the text the task database stores', () => {
    for (const [i, payload] of payloads.entries()) {
      const stored = JSON.stringify(payload);
      const line = batchInputLineOfJson(i + 1, '/v1/chat/completions', stored);
      assert.equal(line, batchInputLine(i + 1, '/v1/chat/completions', JSON.parse(stored) as Record<string, unknown>));
      assert.deepEqual(JSON.parse(line), { custom_id: `id-${i + 1}`, method: 'POST', url: '/v1/chat/completions', body: JSON.parse(stored) });
    }
  });

  it('gives back the stored text of the body from a line, whatever the body holds (a "body" key of its own too)', () => {
    const withBodyKey = { model: 'm', metadata: { body: '"body":{}' }, messages: [{ role: 'user', content: '"body": here' }] };
    for (const [i, payload] of [...payloads, withBodyKey].entries()) {
      for (const endpoint of ['/v1/chat/completions', '/v1/responses', '/v1/embeddings']) {
        assert.equal(payloadJsonOfLine(batchInputLine(i + 1, endpoint, payload)), JSON.stringify(payload));
      }
    }
  });

  it("the quick check of a line read back accepts only what the line schema accepts (the schema says what is wrong with the rest)", () => {
    const sound = { custom_id: 'id-12', method: 'POST', url: '/v1/chat/completions', body: { model: 'm' } };
    const values: unknown[] = [
      sound,
      { ...sound, body: {} },
      { ...sound, custom_id: 'id-' },
      { ...sound, custom_id: 'id-1x' },
      { ...sound, custom_id: 12 },
      { ...sound, method: 'GET' },
      { ...sound, url: null },
      { ...sound, body: [] },
      { ...sound, body: null },
      { ...sound, body: 'text' },
      { ...sound, extra: true },
      { custom_id: 'id-1', method: 'POST', url: '/v1/embeddings' },
      [sound],
      null,
      'id-1',
    ];
    for (const value of values) assert.equal(isBatchInputLine(value), batchInputLineSchema.safeParse(value).success, JSON.stringify(value));
    assert.ok(isBatchInputLine(sound));
  });
});
