import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import { startHarness, type SimHarness } from '../../support/sim/simHelpers';

describe('simulator Files API and errors', () => {
  let h: SimHarness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.sim.close();
  });

  it('answers a cut-short or malformed multipart upload with 400 naming the problem, and stores nothing', async () => {
    const upload = (contentType: string, body: string) => fetch(`${h.sim.baseUrl}/files`, { method: 'POST', headers: { authorization: 'Bearer sim', 'content-type': contentType }, body });
    const part = (name: string, value: string, filename?: string) =>
      `--b\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n\r\n${value}\r\n`;
    for (const [contentType, body, expected] of [
      ['multipart/form-data', part('purpose', 'batch'), /no boundary/],
      ['multipart/form-data; boundary=b', `${part('purpose', 'batch')}--b\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{}`, /cut short/],
      ['multipart/form-data; boundary=b', 'not multipart at all', /no part delimiter/],
      ['multipart/form-data; boundary=b', `${part('purpose', 'batch')}--b--\r\n`, /Missing required parameter: 'file'/],
      ['multipart/form-data; boundary=b', `${part('file', '{}', 'a.jsonl')}--b--\r\n`, /Missing required parameter: 'purpose'/],
    ] as const) {
      const response = await upload(contentType, body);
      assert.equal(response.status, 400, body);
      assert.match(((await response.json()) as { error: { message: string } }).error.message, expected);
    }
    const uploaded = await upload('multipart/form-data; boundary=b', `${part('purpose', 'batch')}${part('file', '{"a":1}\n', 'one.jsonl')}--b--\r\n`);
    assert.equal(uploaded.status, 200);
    const stored = (await uploaded.json()) as { id: string; bytes: number; filename: string };
    assert.deepEqual([stored.bytes, stored.filename], [8, 'one.jsonl']);
    assert.equal((await h.client.files.list()).data.length, 1, 'only the well-formed upload is stored');
  });

  it('uploads, retrieves, lists, downloads and deletes files', async () => {
    const content = '{"a":1}\n';
    const created = await h.client.files.create({ file: await toFile(Buffer.from(content), 'one.jsonl'), purpose: 'batch' });
    const { id, created_at: createdAt, expires_at: expiresAt, ...rest } = created;
    assert.match(id, /^file-/);
    assert.ok(Math.abs(createdAt - Date.now() / 1000) < 60 && (expiresAt ?? 0) > createdAt);
    assert.deepEqual(rest, { object: 'file', bytes: Buffer.byteLength(content), filename: 'one.jsonl', purpose: 'batch', status: 'processed', status_details: null });
    assert.deepEqual(await h.client.files.retrieve(created.id), created);
    assert.equal(await (await h.client.files.content(created.id)).text(), content);
    const second = await h.client.files.create({ file: await toFile(Buffer.from('x'), 'notes.txt'), purpose: 'user_data' });

    const all = await h.client.files.list();
    assert.deepEqual(all.data.map((f) => f.id), [second.id, created.id]);
    const batchOnly = await h.client.files.list({ purpose: 'batch' });
    assert.deepEqual(batchOnly.data.map((f) => f.id), [created.id]);
    const ascending = await h.client.files.list({ order: 'asc', limit: 1 });
    assert.deepEqual(ascending.data.map((f) => f.id), [created.id]);
    assert.equal(ascending.has_more, true);
    const next = await ascending.getNextPage();
    assert.deepEqual(next.data.map((f) => f.id), [second.id]);

    assert.deepEqual(await h.client.files.delete(created.id), { id: created.id, object: 'file', deleted: true });
    await assert.rejects(h.client.files.retrieve(created.id), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });

  it('accepts only .jsonl files for purpose batch', async () => {
    await assert.rejects(
      h.client.files.create({ file: await toFile(Buffer.from('{}'), 'input.json'), purpose: 'batch' }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.message.includes('Invalid file format for Batch API. Must be .jsonl'),
    );
  });

  it('answers unknown files, batches and routes with 404 in the API error shape', async () => {
    const response = await fetch(`${h.sim.baseUrl}/files/file-nope`, { headers: { authorization: 'Bearer sim' } });
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.match(body.error.message as string, /file-nope/);
    await assert.rejects(h.client.batches.retrieve('batch_nope'), (error: unknown) => error instanceof OpenAI.NotFoundError && error.error !== undefined);
    const unknown = await fetch(`${h.sim.baseUrl}/nothing/here`, { headers: { authorization: 'Bearer sim' } });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
  });

  it('answers 401 without a bearer token, and with a wrong key when one is configured', async () => {
    const anonymous = await fetch(`${h.sim.baseUrl}/files`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
    const keyed = await startHarness({ apiKey: 'sk-right-key-123' });
    try {
      await keyed.client.files.list();
      const wrong = new OpenAI({ apiKey: 'sk-wrong-key-456', baseURL: keyed.sim.baseUrl, maxRetries: 0 });
      await assert.rejects(wrong.files.list(), (error: unknown) => error instanceof OpenAI.AuthenticationError && (error.code ?? '') === 'invalid_api_key');
    } finally {
      await keyed.sim.close();
    }
  });

  it('serves the control routes without authentication', async () => {
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${h.sim.port}/__sim/health`)).json(), { ok: true });
    await h.client.files.list();
    const stats = (await (await fetch(`http://127.0.0.1:${h.sim.port}/__sim/stats`)).json()) as { routes: Record<string, number> };
    assert.equal(stats.routes['GET /v1/files'], 1);
    const faults = await fetch(`http://127.0.0.1:${h.sim.port}/__sim/faults`, { method: 'POST', body: JSON.stringify({ serverErrorRate: 1 }) });
    assert.equal(((await faults.json()) as { serverErrorRate: number }).serverErrorRate, 1);
    await assert.rejects(h.client.files.list(), (error: unknown) => error instanceof OpenAI.InternalServerError);
    const bad = await fetch(`http://127.0.0.1:${h.sim.port}/__sim/faults`, { method: 'POST', body: JSON.stringify({ nonsense: 1 }) });
    assert.equal(bad.status, 400);
    await fetch(`http://127.0.0.1:${h.sim.port}/__sim/reset`, { method: 'POST' });
    assert.deepEqual(h.sim.stats().routes, {});
  });
});
