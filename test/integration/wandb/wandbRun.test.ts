import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/shared/errors';
import { MemoryLogger } from '../../../src/engine/log';
import { nullMetricsSink } from '../../../src/engine/wandb/metricsSink';
import { openWandbRun, wandbConsoleLogger } from '../../../src/engine/wandb/wandbRun';
import type { WandbOptions } from '../../../src/engine/wandb/wandbRun';
import { FakeWandb, fastTiming } from '../../support/wandb/fakeWandb';

describe('W&B online run (fake server)', function () {
  this.timeout(30_000);
  let server: FakeWandb;
  let logger: MemoryLogger;
  let now: number;

  function options(overrides: Partial<WandbOptions> = {}): WandbOptions {
    return {
      mode: 'online',
      apiKey: server.apiKey,
      baseUrl: server.baseUrl,
      project: 'proj',
      entity: 'team',
      config: {},
      logger,
      clock: () => now,
      timing: fastTiming,
      ...overrides,
    };
  }

  beforeEach(async () => {
    server = await FakeWandb.start();
    logger = new MemoryLogger();
    now = Date.parse('2026-03-01T12:00:00Z');
  });
  afterEach(() => server.stop());

  it('creates the run with its config in {key: {desc, value}} form, job type, group and name', async () => {
    const sink = await openWandbRun(options({ runId: 'run1', name: 'My run', group: 'grp', config: { model: 'gpt-4o', max_tokens: 10, nested: { a: [1] } } }));
    await sink.close();
    const run = server.run('team', 'proj', 'run1');
    assert.deepEqual(run.config, {
      model: { desc: null, value: 'gpt-4o' },
      max_tokens: { desc: null, value: 10 },
      nested: { desc: null, value: { a: [1] } },
    });
    assert.equal(run.jobType, 'gpt_batch_api');
    assert.equal(run.group, 'grp');
    assert.equal(run.displayName, 'My run');
    assert.equal(sink.url, `${server.baseUrl}/team/proj/runs/run1`);
    assert.equal(server.calls.some((call) => call.operation === 'Viewer'), false);
  });

  it('asks the server for the entity only when none is configured', async () => {
    const sink = await openWandbRun(options({ entity: undefined, runId: 'run2' }));
    await sink.close();
    assert.equal(server.calls.filter((call) => call.operation === 'Viewer').length, 1);
    assert.equal(server.run('viewer-entity', 'proj', 'run2').complete, true);
  });

  it('delivers logged rows with increasing _step, contiguous offsets, the summary and the completion mark', async () => {
    const sink = await openWandbRun(options({ runId: 'rows' }));
    for (let i = 0; i < 5; i += 1) {
      now += 1000;
      sink.log({ 'Batch/num_total': i, 'Task/run_step': i });
    }
    await server.waitFor(() => server.fileStreamCalls().length > 0);
    for (let i = 5; i < 12; i += 1) sink.log({ 'Batch/num_total': i, flag: i % 2 === 0, note: null });
    sink.summary({ best: 42 });
    await sink.close({ exitCode: 3 });

    const rows = server.rows('team', 'proj', 'rows');
    assert.deepEqual(rows.map((row) => row._step), [...Array(12).keys()]);
    assert.deepEqual(rows.map((row) => row['Batch/num_total']), [...Array(12).keys()]);
    assert.equal(rows[0]?._runtime, 1);
    assert.equal(rows[0]?._timestamp, Date.parse('2026-03-01T12:00:01Z') / 1000);
    let expectedOffset = 0;
    for (const call of server.fileStreamCalls()) {
      const history = call.body.files?.['wandb-history.jsonl'];
      if (!history) continue;
      assert.equal(history.offset, expectedOffset);
      expectedOffset += history.content.length;
    }
    assert.ok(server.fileStreamCalls().length < 12, 'rows are batched');
    const run = server.run('team', 'proj', 'rows');
    assert.equal(run.summary?.best, 42);
    assert.equal(run.summary?.['Batch/num_total'], 11);
    assert.equal(run.complete, true);
    assert.equal(run.exitcode, 3);
    assert.deepEqual(server.anomalies, []);
  });

  it('resumes a run by ID: offsets, steps and runtime continue and the summary keeps older keys', async () => {
    const first = await openWandbRun(options({ runId: 'again' }));
    first.log({ a: 1 });
    first.log({ a: 2 });
    first.summary({ first_session: true });
    now += 10_000;
    await first.close();

    const second = await openWandbRun(options({ runId: 'again' }));
    now += 5000;
    second.log({ a: 3 });
    await second.close();

    const rows = server.rows('team', 'proj', 'again');
    assert.deepEqual(rows.map((row) => [row._step, row.a]), [[0, 1], [1, 2], [2, 3]]);
    assert.equal(rows[2]?._runtime, 5);
    const run = server.run('team', 'proj', 'again');
    assert.equal(run.summary?.first_session, true);
    assert.equal(run.summary?.a, 3);
    assert.deepEqual(server.anomalies, []);
    assert.match(logger.text(), /resumed at step 2/);
  });

  it('sends console lines through output.log, warnings marked as errors', async () => {
    const sink = await openWandbRun(options({ runId: 'console' }));
    const teed = wandbConsoleLogger(logger, sink);
    teed.info('Pushed batch 1\nof 2');
    teed.warn('Batch failed');
    teed.debug('not sent');
    await sink.close();
    const log = server.run('team', 'proj', 'console').log;
    assert.equal(log.length, 3);
    assert.match(log[0] ?? '', /^2026-03-01T12:00:00\.000Z Pushed batch 1$/);
    assert.match(log[2] ?? '', /^ERROR 2026-\S+ Batch failed$/);
    assert.match(logger.text(), /Batch failed/);
  });

  it('sends heartbeats while idle', async () => {
    const sink = await openWandbRun(options({ runId: 'idle', timing: { ...fastTiming, heartbeatMs: 30 } }));
    const isHeartbeat = (body: any) => body?.complete === false && body?.failed === false && body?.files === undefined;
    await server.waitFor(() => server.fileStreamCalls().filter((call) => isHeartbeat(call.body)).length >= 2);
    await sink.close();
    assert.equal(server.run('team', 'proj', 'idle').complete, true);
  });

  it('makes no HTTP call when disabled', async () => {
    let calls = 0;
    const sink = await openWandbRun(options({ mode: 'disabled', fetch: () => { calls += 1; return Promise.reject(new Error('no')); } }));
    assert.equal(sink, nullMetricsSink);
    sink.log({ a: 1 });
    await sink.close();
    assert.equal(calls, 0);
    assert.equal(server.calls.length, 0);
  });

  it('names WANDB_API_KEY and --no_wandb when the key is missing online', async () => {
    await assert.rejects(openWandbRun(options({ apiKey: undefined })), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /WANDB_API_KEY/);
      assert.match(error.message, /--no_wandb/);
      return true;
    });
    assert.equal(server.calls.length, 0);
  });

  it('reports a rejected key (401) clearly without repeating it', async () => {
    const badKey = 'bad-key-987654321';
    await assert.rejects(openWandbRun(options({ apiKey: badKey })), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /401/);
      assert.match(error.message, /API key/);
      assert.ok(!error.message.includes(badKey));
      return true;
    });
  });

  it('retries run creation while the server answers 503', async () => {
    server.failGraphql({ status: 503 }, { status: 503 });
    const sink = await openWandbRun(options({ runId: 'late' }));
    await sink.close();
    assert.equal(server.run('team', 'proj', 'late').complete, true);
  });
});
