import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { noopLogger } from '../../../src/engine/log';
import { startSimulator, type Simulator } from '../../../src/sim/simulator';
import { ReadService } from '../../../src/worker/readService';
import { TaskService } from '../../../src/worker/taskService';
import { useTempDir } from '../../support/store/tempDir';

type Json = Record<string, unknown>;

/** The topic the model refuses to write about. */
const refusedTopic = 'deserts';

/** The simulator's answer turned into a refusal, the way each API words one. */
function refusal(route: string, answer: Json): Json {
  if (route === '/v1/responses') return { ...answer, output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'refusal', refusal: 'I cannot write about that.' }] }] };
  return { ...answer, stop_reason: 'refusal', content: [] };
}

/**
 * A proxy in front of the simulator that answers direct Responses and Messages calls about `refusedTopic` with a
 * refusal; everything else passes through unchanged.
 */
async function startRefusingProxy(sim: Simulator): Promise<{ origin: string; close(): Promise<void> }> {
  const simOrigin = new URL(sim.baseUrl).origin;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name, value]) => typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
      const method = req.method ?? 'GET';
      void fetch(`${simOrigin}${req.url ?? '/'}`, { method, headers, ...(body.length > 0 ? { body } : {}) }).then(async (answer) => {
        let text = await answer.text();
        const route = req.url ?? '';
        if (answer.ok && method === 'POST' && (route === '/v1/responses' || route === '/v1/messages') && body.toString('utf8').includes(`Topic: ${refusedTopic}`)) {
          text = JSON.stringify(refusal(route, JSON.parse(text) as Json));
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the refusals filter on what the engine stored of Responses and Anthropic refusals', function () {
  this.timeout(60_000);
  const tmp = useTempDir('refusal-filter');
  let sim: Simulator;
  let proxy: Awaited<ReturnType<typeof startRefusingProxy>>;

  before(async () => {
    sim = await startSimulator({});
    proxy = await startRefusingProxy(sim);
  });
  after(async () => {
    await proxy.close();
    await sim.close();
  });

  it('lists the refused sample of a Responses task and of an Anthropic task, and no other', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'topics.jsonl'), ['tides', refusedTopic, 'glaciers'].map((topic, i) => JSON.stringify({ id: `t${i + 1}`, topic })).join('\n'));
    const template = { input: 'topics.jsonl', key: 'id', wandb: false, max_retries: 0 };
    const tasks = {
      answers: { ...template, endpoint: '/v1/responses', messages: [{ role: 'user', content: 'Topic: {{topic}}' }], request: { model: 'gpt-4o-mini', max_output_tokens: 40 }, client_base_url: `${proxy.origin}/v1` },
      claude: { ...template, provider: 'anthropic', messages: [{ role: 'user', content: 'Topic: {{topic}}' }], request: { model: 'claude-haiku-4-5', max_tokens: 40 }, client_base_url: proxy.origin },
    };
    const file = path.join(tmp.dir, 'gpt-batch.json');
    fs.writeFileSync(file, JSON.stringify({ tasks }));
    const service = new TaskService(noopLogger, () => undefined, { OPENAI_API_KEY: 'sim', ANTHROPIC_API_KEY: 'sim' });
    const reads = new ReadService({});
    for (const task of Object.keys(tasks)) {
      assert.notEqual((await service.run({ file, task, mode: 'run' })).outcome, 'stopped');
      const answered = await reads.page({ file, task, source: { kind: 'samples', group: 'succeeded' }, limit: 10 });
      const failed = await reads.page({ file, task, source: { kind: 'samples', group: 'failed' }, limit: 10 });
      assert.equal(answered.total + failed.total, 3, `${task} did not finish its three samples`);
      const refused = await reads.page({ file, task, source: { kind: 'samples', group: 'refused' }, limit: 10 });
      assert.deepEqual(
        refused.items.map((item) => (item.kind === 'sample' ? item.key : item.kind)),
        ['t2'],
        `the refusals of ${task}`,
      );
      const [sample] = refused.items;
      assert.ok(sample?.kind === 'sample');
      const attempts = await reads.page({ file, task, source: { kind: 'attempts', key: sample.key }, limit: 10 });
      const [attempt] = attempts.items;
      assert.ok(attempt?.kind === 'attempt');
      const { json } = await reads.document({ file, task, ref: { kind: 'attempt', requestId: attempt.requestId, part: 'parsed' } });
      assert.ok((json as { refusal?: unknown }).refusal !== undefined, `the parsed tab of ${task}'s refusal does not show it: ${JSON.stringify(json)}`);
    }
  });
});
