import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { toFile } from 'openai';
import { nodeHttpFetch } from '../../../src/host/nodeHttpFetch';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/sim/simulator';
import { chatBody } from '../../support/sim/simHelpers';

async function clientOf(options: SimulatorOptions): Promise<{ sim: Simulator; client: OpenAI }> {
  const sim = await startSimulator({ batchSeconds: 0.3, ...options });
  return { sim, client: new OpenAI({ apiKey: 'sim', baseURL: sim.baseUrl, maxRetries: 0, fetch: nodeHttpFetch() }) };
}

/** A server that answers every request with `answer`, for what the simulator never sends. */
async function fixedServer(answer: (response: http.ServerResponse) => void): Promise<{ baseUrl: string; connections: () => number; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => answer(response));
  });
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('the OpenAI client over nodeHttpFetch', () => {
  it('answers a chat completion with its rate-limit headers and request ID', async () => {
    const { sim, client } = await clientOf({ faults: { requestsPerMinute: 1000 } });
    try {
      const { data, response, request_id } = await client.chat.completions.create(chatBody('Hello') as never).withResponse();
      assert.equal(data.object, 'chat.completion');
      assert.match(request_id ?? '', /^req_/);
      assert.equal(response.headers.get('x-ratelimit-limit-requests'), '1000');
      assert.ok(Number(response.headers.get('x-ratelimit-remaining-requests')) < 1000);
    } finally {
      await sim.close();
    }
  });

  it('sends one call after another over one kept-alive connection', async () => {
    const server = await fixedServer((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [] }));
    });
    try {
      const client = new OpenAI({ apiKey: 'sim', baseURL: server.baseUrl, maxRetries: 0, fetch: nodeHttpFetch() });
      for (let i = 0; i < 3; i += 1) await client.models.list();
      assert.equal(server.connections(), 1);
    } finally {
      await server.close();
    }
  });

  it('uploads a multipart file over node:http, not the global fetch, and downloads its content', async () => {
    const { sim, client } = await clientOf({});
    const globalFetch = globalThis.fetch;
    globalThis.fetch = () => Promise.reject(new Error('the global fetch was used'));
    try {
      const file = await client.files.create({ file: await toFile(Buffer.from('{"a":1}\n'), 'input.jsonl'), purpose: 'batch' });
      assert.equal(await (await client.files.content(file.id)).text(), '{"a":1}\n');
    } finally {
      globalThis.fetch = globalFetch;
      await sim.close();
    }
  });

  it('sends a large upload whole, its length announced up front, as the parts the global fetch would send', async () => {
    let received: { length: string | undefined; type: string | undefined; body: Buffer } | undefined;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received = { length: request.headers['content-length'], type: request.headers['content-type'], body: Buffer.concat(chunks) };
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const content = Buffer.alloc(3 * 1024 * 1024, 'x');
      const form = new FormData();
      form.append('purpose', 'batch\nline');
      form.append('file', new File([content], 'na"me\r\n.jsonl', { type: 'application/jsonl' }));
      const { port } = server.address() as AddressInfo;
      const answer = await nodeHttpFetch()(`http://127.0.0.1:${port}/v1/files`, { method: 'POST', body: form });
      assert.equal(answer.status, 200);
      assert.ok(received);
      assert.equal(Number(received.length), received.body.length);
      const parsed = await new Response(received.body, { headers: { 'content-type': received.type ?? '' } }).formData();
      const expected = await new Response(form).formData();
      assert.deepEqual([...parsed.keys()], [...expected.keys()]);
      assert.equal(parsed.get('purpose'), expected.get('purpose'));
      const [file, expectedFile] = [parsed.get('file'), expected.get('file')] as File[];
      assert.equal(file?.name, expectedFile?.name);
      assert.equal(file?.type, 'application/jsonl');
      assert.ok(Buffer.from(await (file as File).arrayBuffer()).equals(content));
    } finally {
      server.close();
    }
  });

  it('reads a 429 as a RateLimitError with its Retry-After header', async () => {
    const { sim, client } = await clientOf({ faults: { rateLimitRate: 1, rateLimitRetryAfter: 7 } });
    try {
      const error = await client.chat.completions.create(chatBody('Hello') as never).catch((e: unknown) => e);
      assert.ok(error instanceof OpenAI.RateLimitError, String(error));
      assert.equal(error.headers?.get('retry-after'), '7');
    } finally {
      await sim.close();
    }
  });

  it('times out a call whose answer is slower than the timeout', async () => {
    const { sim, client } = await clientOf({ faults: { chatLatencyMs: 5_000 } });
    try {
      const error = await client.chat.completions.create(chatBody('Hello') as never, { timeout: 100 }).catch((e: unknown) => e);
      assert.ok(error instanceof OpenAI.APIConnectionTimeoutError, String(error));
    } finally {
      await sim.close();
    }
  });

  it("stops a call when the caller's signal aborts it", async () => {
    const controller = new AbortController();
    const { sim, client } = await clientOf({ faults: { chatLatencyMs: 5_000 }, onApiRequest: () => controller.abort() });
    try {
      const error = await client.chat.completions.create(chatBody('Hello') as never, { signal: controller.signal }).catch((e: unknown) => e);
      assert.ok(error instanceof OpenAI.APIUserAbortError, String(error));
    } finally {
      await sim.close();
    }
  });

  it('reports a refused connection as a connection error carrying the network error', async () => {
    const closed = await fixedServer(() => undefined);
    await closed.close();
    const client = new OpenAI({ apiKey: 'sim', baseURL: closed.baseUrl, maxRetries: 0, fetch: nodeHttpFetch() });
    const error = await client.models.list().catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIConnectionError, String(error));
    assert.match(String((error.cause as Error | undefined)?.cause), /ECONNREFUSED/);
  });

  it('decompresses a gzip answer', async () => {
    const zlib = await import('node:zlib');
    const server = await fixedServer((response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      response.end(zlib.gzipSync(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model', created: 0, owned_by: 'x' }] })));
    });
    try {
      const client = new OpenAI({ apiKey: 'sim', baseURL: server.baseUrl, maxRetries: 0, fetch: nodeHttpFetch() });
      const page = await client.models.list();
      assert.deepEqual(page.data.map((m) => m.id), ['m']);
    } finally {
      await server.close();
    }
  });

  it("answers with a Response whose body reads as text, JSON, bytes or a stream, and whose copy reads the same", async () => {
    const server = await fixedServer((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('\ufeff{"name":"é"}');
    });
    try {
      const response = await nodeHttpFetch()(`${server.baseUrl}/models`, { method: 'GET' });
      assert.ok(response instanceof Response);
      assert.equal(response.status, 200);
      assert.equal(response.url, `${server.baseUrl}/models`);
      assert.deepEqual(await response.clone().json(), { name: 'é' });
      assert.equal(await response.clone().text(), '{"name":"é"}');
      assert.equal(Buffer.from(await response.arrayBuffer()).toString('utf8'), '\ufeff{"name":"é"}');
      assert.equal(await new Response(response.body).text(), '{"name":"é"}');
    } finally {
      await server.close();
    }
  });

  it('reports a connection closed mid-answer as a connection error', async () => {
    const server = await fixedServer((response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"object":');
      response.socket?.destroy();
    });
    try {
      const client = new OpenAI({ apiKey: 'sim', baseURL: server.baseUrl, maxRetries: 0, fetch: nodeHttpFetch() });
      const error = await client.models.list().catch((e: unknown) => e);
      assert.ok(error instanceof OpenAI.APIConnectionError, String(error));
    } finally {
      await server.close();
    }
  });
});
