import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError, MissingApiKeyError } from '../../../src/shared/errors';
import { noopLogger } from '../../../src/engine/log';
import type { NotificationMethod, NotificationParams, ProgressParams } from '../../../src/protocol/messages';
import { startSimulator, type Simulator } from '../../../src/sim/simulator';
import { ReadService } from '../../../src/worker/readService';
import { TaskService } from '../../../src/worker/taskService';
import { useTempDir } from '../../support/store/tempDir';

interface Sent {
  method: NotificationMethod;
  params: unknown;
}

describe('TaskService and ReadService (the engine worker runs, the reader reads, against the simulator)', function () {
  this.timeout(120_000);
  const tmp = useTempDir('task-service');
  let sim: Simulator;
  let sent: Sent[];
  let service: TaskService;
  const reads = new ReadService({});
  let file: string;

  beforeEach(async () => {
    sim = await startSimulator({ batchSeconds: 1.5 });
    sent = [];
    service = new TaskService(noopLogger, <M extends NotificationMethod>(method: M, params: NotificationParams<M>) => sent.push({ method, params }), {});
    file = path.join(tmp.dir, 'gpt-batch.json');
    const task = { task: 'demo:char_codes', model: 'gpt-4o-mini-2024-07-18', client_base_url: sim.baseUrl, wandb: false, max_session_requests: 12, max_batch_requests: 6 };
    fs.writeFileSync(file, JSON.stringify({ tasks: { cc: task } }));
  });
  afterEach(async () => {
    await sim.close();
  });

  it('previews the next N requests without an API call and without writing the task directory', async () => {
    const result = await service.run({ file, task: 'cc', mode: 'previewRequests', count: 3 });
    assert.equal(result.exchanges.length, 3);
    for (const exchange of result.exchanges) assert.equal((exchange.request as { model?: string }).model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(sim.stats().routes, {});
    const taskDir = path.join(tmp.dir, '.gpt-batch', 'cc');
    assert.deepEqual(fs.existsSync(taskDir) ? fs.readdirSync(taskDir) : [], []);
  });

  it('runs a task with the key of the request, and the snapshot shows its batches, samples and requests', async () => {
    const result = await service.run({ file, task: 'cc', mode: 'run', apiKey: 'sk-run' });
    assert.notEqual(result.outcome, 'stopped');
    const [snapshot] = (await reads.snapshot({ file })).tasks;
    assert.ok(snapshot);
    assert.equal(snapshot.started, true);
    assert.equal(snapshot.samples.succeeded, 12);
    assert.ok(snapshot.taskCost > 0);
    const processed = snapshot.batches.filter((b) => b.place === 'processed');
    assert.equal(processed.length, 2);
    assert.equal(processed.reduce((sum, b) => sum + b.numRequests, 0), 12);
    const first = await reads.page({ file, task: 'cc', source: { kind: 'samples', group: 'succeeded' }, limit: 10 });
    assert.equal(first.total, 12);
    assert.equal(first.items.length, 10);
    const rest = await reads.page({ file, task: 'cc', source: { kind: 'samples', group: 'succeeded' }, after: first.next, limit: 10 });
    assert.equal(rest.items.length, 2);
    assert.equal(rest.next, undefined);
    const keys = [...first.items, ...rest.items].map((item) => (item.kind === 'sample' ? item.key : ''));
    assert.deepEqual(keys, [...new Set(keys)].sort(), 'the pages overlap or are out of key order');
    const progress = sent.filter((s) => s.method === 'task/progress').map((s) => s.params as ProgressParams);
    assert.ok(progress.length > 0);
    assert.equal(progress.at(-1)?.taskCost, snapshot.taskCost);
    assert.equal(progress.at(-1)?.sessionCost, snapshot.taskCost);
    assert.ok(progress.slice(0, -1).every((p) => p.running), 'only the last notification closes the run');
    assert.equal(progress.at(-1)?.running, false);
    assert.equal(progress.at(-1)?.finishedShare, (snapshot.samples.committed - snapshot.samples.pending) / snapshot.samples.committed);
    assert.ok((progress.at(-1)?.caps.find((c) => c.option === 'max_task_cost')?.used ?? 0) > 0, 'the caps count what was pushed');
    assert.deepEqual(sent.at(-1), { method: 'task/changed', params: { task: 'cc', running: false } });
  });

  it('lists and opens the requests of a remote batch while it runs; Stop ends the run and the next run loses nothing', async () => {
    const running = service.run({ file, task: 'cc', mode: 'run', apiKey: 'sim' });
    await until(() => sent.some((s) => s.method === 'task/progress' && (s.params as ProgressParams).remoteBatches > 0));
    const [snapshot] = (await reads.snapshot({ file })).tasks;
    const remote = snapshot?.batches.find((b) => b.place === 'remote');
    assert.ok(remote, 'no remote batch in the snapshot');
    const page = await reads.page({ file, task: 'cc', source: { kind: 'batch', place: 'remote', id: remote.id }, limit: 200 });
    assert.equal(page.total, remote.numRequests);
    const first = page.items[0];
    assert.ok(first?.kind === 'attempt');
    assert.deepEqual(first.batch, { place: 'remote', id: remote.id });
    const { json } = await reads.document({ file, task: 'cc', ref: { kind: 'attempt', requestId: first.requestId, part: 'request' } });
    assert.equal((json as { custom_id: string }).custom_id, `id-${first.requestId}`);
    assert.equal(service.stop('cc'), true);
    assert.equal((await running).outcome, 'stopped');
    const [stopped] = (await reads.snapshot({ file })).tasks;
    const resumed = await service.run({ file, task: 'cc', mode: 'run', apiKey: 'sim' });
    assert.notEqual(resumed.outcome, 'stopped');
    const [after] = (await reads.snapshot({ file })).tasks;
    assert.ok(stopped && after);
    assert.ok(after.samples.succeeded > stopped.samples.succeeded, 'the resumed run processed nothing');
    const known = (s: typeof after) => s.samples.succeeded + s.samples.pending;
    assert.ok(known(after) >= known(stopped), 'samples committed before the stop were lost');
    assert.equal(after.samples.failed, 0);
  });

  it('commitOnly commits the whole task and sends only its pilot; a run given pilot 0 then pushes without a second pilot', async () => {
    const task = { task: 'demo:char_codes', model: 'gpt-4o-mini-2024-07-18', client_base_url: sim.baseUrl, wandb: false, max_session_requests: 12, max_batch_requests: 6, pilot: 4 };
    fs.writeFileSync(file, JSON.stringify({ tasks: { cc: task } }));
    const held = await service.run({ file, task: 'cc', mode: 'commitOnly', apiKey: 'sim' });
    assert.equal(held.outcome, 'incomplete');
    assert.equal(held.committed?.requests, 1140 - 4);
    assert.equal(held.committed?.pilotForecast?.pilotRequests, 4);
    assert.ok((held.committed?.spentCost ?? 0) > 0);
    assert.equal(sim.stats().routes['POST /v1/batches'], undefined, 'nothing was pushed');
    const [committed] = (await reads.snapshot({ file })).tasks;
    assert.equal(committed?.queuedRequests, 1140 - 4);
    assert.deepEqual(committed?.batches.map((b) => b.place), ['direct']);
    const run = await service.run({ file, task: 'cc', mode: 'run', pilot: 0, apiKey: 'sim' });
    assert.equal(run.committed, undefined);
    assert.equal(Object.keys(sim.stats().directRequestIdsAnswered).length, 4, 'a second pilot was sent');
    assert.ok((sim.stats().routes['POST /v1/batches'] ?? 0) > 0);
  });

  it('refuses a second run of a running task', async () => {
    const running = service.run({ file, task: 'cc', mode: 'run', apiKey: 'sim' });
    await assert.rejects(service.run({ file, task: 'cc', mode: 'run', apiKey: 'sim' }), (error: unknown) => error instanceof InvalidInputError && /already running/.test(error.message));
    service.stop('cc');
    await running;
  });

  it('reports the problems of a broken task file at their lines', () => {
    const text = '{\n  "tasks": {\n    "cc": {\n      "task": "demo:char_codes",\n      "max_sesion_requests": 3\n    }\n  }\n}\n';
    const { problems } = reads.check({ file, text });
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.line, 5);
    assert.match(problems[0]?.message ?? '', /max_sesion_requests.*did you mean 'max_session_requests'/);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('TaskService: the Anthropic key of a run', function () {
  this.timeout(60_000);
  const tmp = useTempDir('task-service-anthropic');
  const anthropicKey = 'sk-ant-given-by-the-editor';
  let sim: Simulator;
  let file: string;
  const answered = () => sim.stats().routes['POST /v1/messages'] ?? 0;

  beforeEach(async () => {
    // The simulator accepts this key only: a run that sends another one, or none, gets no answer.
    sim = await startSimulator({ apiKey: anthropicKey });
    fs.writeFileSync(path.join(tmp.dir, 'topics.jsonl'), '{"id":"t1","topic":"tides"}\n{"id":"t2","topic":"deserts"}\n');
    const task = {
      provider: 'anthropic',
      input: 'topics.jsonl',
      key: 'id',
      messages: [{ role: 'user', content: 'Topic: {{topic}}' }],
      request: { model: 'claude-haiku-4-5', max_tokens: 40 },
      client_base_url: sim.baseUrl.replace(/\/v1$/, ''),
      wandb: false,
    };
    file = path.join(tmp.dir, 'gpt-batch.json');
    fs.writeFileSync(file, JSON.stringify({ tasks: { claude: task } }));
  });
  afterEach(async () => {
    await sim.close();
  });

  it("sends the request's Anthropic key to Anthropic, not the OpenAI key", async () => {
    const service = new TaskService(noopLogger, () => undefined, { ANTHROPIC_API_KEY: 'sk-ant-of-the-environment' });
    const result = await service.run({ file, task: 'claude', mode: 'run', apiKey: anthropicKey.replace('ant', 'openai'), anthropicApiKey: anthropicKey });
    assert.equal(result.outcome, 'done');
    assert.equal(answered(), 2);
  });

  it("falls back to the worker's ANTHROPIC_API_KEY", async () => {
    const service = new TaskService(noopLogger, () => undefined, { ANTHROPIC_API_KEY: anthropicKey });
    assert.equal((await service.run({ file, task: 'claude', mode: 'run' })).outcome, 'done');
    assert.equal(answered(), 2);
  });

  it('without an Anthropic key refuses the run, naming the command that stores one and ANTHROPIC_API_KEY', async () => {
    const service = new TaskService(noopLogger, () => undefined, { OPENAI_API_KEY: 'sk-openai-only' });
    await assert.rejects(
      service.run({ file, task: 'claude', mode: 'run', apiKey: 'sk-openai-only' }),
      (error: unknown) =>
        error instanceof MissingApiKeyError && error.provider === 'anthropic' && error.message === 'No Anthropic API key: set one with "GPT Batch: Set Anthropic API Key" or ANTHROPIC_API_KEY',
    );
    assert.equal(answered(), 0);
  });
});
