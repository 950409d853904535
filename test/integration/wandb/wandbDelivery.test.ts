import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError, InvalidInputError } from '../../../src/shared/errors';
import { MemoryLogger } from '../../../src/engine/log';
import { openWandbRun, syncedMarkerPath, syncOfflineRun, wandbConsoleLogger } from '../../../src/engine/wandb/wandbRun';
import type { WandbOptions } from '../../../src/engine/wandb/wandbRun';
import { spoolFilePath } from '../../../src/engine/wandb/offlineSpool';
import { FakeWandb, fastTiming } from '../../support/wandb/fakeWandb';

describe('W&B delivery under failures, offline spool and sync (fake server)', function () {
  this.timeout(30_000);
  let server: FakeWandb;
  let logger: MemoryLogger;
  let dir: string;

  function options(overrides: Partial<WandbOptions> = {}): WandbOptions {
    return {
      mode: 'online',
      apiKey: server.apiKey,
      baseUrl: server.baseUrl,
      project: 'proj',
      entity: 'team',
      config: { model: 'gpt-4o-mini' },
      logger,
      timing: fastTiming,
      ...overrides,
    };
  }

  beforeEach(async () => {
    server = await FakeWandb.start();
    logger = new MemoryLogger();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wandb-delivery-'));
  });
  afterEach(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loses and duplicates nothing while the server answers 500, then 429 with Retry-After, then recovers', async () => {
    const sink = await openWandbRun(options({ runId: 'flaky' }));
    server.failFileStream(
      { status: 500 },
      { status: 502, afterStore: true },
      { status: 500 },
      { status: 429, headers: { 'Retry-After': '1' } },
      { status: 503, afterStore: true },
    );
    for (let i = 0; i < 30; i += 1) {
      sink.log({ i });
      if (i % 10 === 9) await server.waitFor(() => server.fileStreamCalls().length >= Math.ceil(i / 10));
    }
    await sink.close();
    const rows = server.rows('team', 'proj', 'flaky');
    assert.deepEqual(rows.map((row) => row.i), [...Array(30).keys()]);
    assert.deepEqual(rows.map((row) => row._step), [...Array(30).keys()]);
    assert.deepEqual(server.anomalies, []);
    assert.equal(server.run('team', 'proj', 'flaky').complete, true);
    assert.ok(server.fileStreamCalls().filter((call) => call.status >= 500 || call.status === 429).length === 5);
    assert.match(logger.text(), /HTTP 500/);
  });

  it('does not retry other 4xx answers and warns what was not delivered', async () => {
    const sink = await openWandbRun(options({ runId: 'refused' }));
    server.failFileStream({ status: 400, body: '{"error":"bad row"}' });
    sink.log({ a: 1 });
    sink.log({ a: 2 });
    await server.waitFor(() => server.fileStreamCalls().length >= 1);
    sink.log({ a: 3 });
    await sink.close();
    assert.match(logger.text(), /refused data for team\/proj\/refused \(HTTP 400.*not delivered: 2 history row\(s\)/);
    assert.deepEqual(server.rows('team', 'proj', 'refused').map((row) => row.a), [3]);
    assert.equal(server.fileStreamCalls().filter((call) => call.status === 400).length, 1);
  });

  it('returns from close within its timeout when the server hangs, naming what was not delivered', async () => {
    const sink = await openWandbRun(options({ runId: 'hung', timing: { ...fastTiming, flushIntervalMs: 60_000 } }));
    server.failFileStream({ hang: true }, { hang: true }, { hang: true });
    sink.log({ a: 1 });
    sink.log({ a: 2 });
    sink.log({ a: 3 });
    await sink.close({ timeoutMs: 300 });
    assert.match(logger.text(), /could not finish run team\/proj\/hung within 0\.3 s; not delivered: 3 history row\(s\), the summary, the completion mark/);
  });

  it('log never throws or waits while the server is down', async () => {
    const sink = await openWandbRun(options({ runId: 'down' }));
    await server.stop();
    for (let i = 0; i < 1000; i += 1) sink.log({ i });
    await sink.close({ timeoutMs: 200 });
    assert.match(logger.text(), /not delivered: 1000 history row\(s\)/);
    server = await FakeWandb.start();
  });

  it('spools offline runs to a file named after the run and uploads them later with the same rows', async () => {
    let calls = 0;
    const countingFetch: typeof fetch = (...args) => {
      calls += 1;
      return fetch(...args);
    };
    const offline = await openWandbRun(options({ mode: 'offline', runId: 'off1', dir, name: 'offline run', fetch: countingFetch }));
    assert.equal(offline.url, undefined);
    const teed = wandbConsoleLogger(logger, offline);
    offline.log({ x: 1 });
    offline.log({ x: 2 });
    teed.info('a line');
    offline.summary({ best: 2 });
    await offline.close({ exitCode: 0 });
    assert.equal(calls, 0);
    const file = spoolFilePath(dir, 'off1');
    assert.ok(fs.existsSync(file));

    const resumed = await openWandbRun(options({ mode: 'offline', runId: 'off1', dir }));
    resumed.log({ x: 3 });
    await resumed.close();

    const result = await syncOfflineRun(file, { ...options(), apiKey: server.apiKey });
    assert.equal(result.rows, 3);
    assert.equal(result.url, `${server.baseUrl}/team/proj/runs/off1`);
    const rows = server.rows('team', 'proj', 'off1');
    assert.deepEqual(rows.map((row) => [row._step, row.x]), [[0, 1], [1, 2], [2, 3]]);
    const run = server.run('team', 'proj', 'off1');
    assert.equal(run.displayName, 'offline run');
    assert.deepEqual(run.config, { model: { desc: null, value: 'gpt-4o-mini' } });
    assert.equal(run.summary?.best, 2);
    assert.match(run.log[0] ?? '', /a line$/);
    assert.equal(run.complete, true);
    assert.deepEqual(server.anomalies, []);

    await assert.rejects(syncOfflineRun(file, options()), (error: unknown) => error instanceof InvalidInputError && /already uploaded/.test(error.message));
  });

  it('fails the upload and writes no marker when the server refuses part of a spool file', async () => {
    const offline = await openWandbRun(options({ mode: 'offline', runId: 'partial', dir }));
    offline.log({ x: 1 });
    await offline.close();
    server.failFileStream({ status: 400 });
    const file = spoolFilePath(dir, 'partial');
    await assert.rejects(syncOfflineRun(file, options()), (error: unknown) => EngineError.is(error, 'api') && error.message.includes(file));
    assert.equal(fs.existsSync(syncedMarkerPath(file)), false);
  });

  it('never writes the API key to the spool, the sync marker or the log', async () => {
    const key = server.apiKey;
    const offline = await openWandbRun(options({ mode: 'offline', runId: 'secret', dir }));
    const teed = wandbConsoleLogger(logger, offline);
    teed.warn(`request failed with header api:${key}`);
    offline.log({ a: 1 });
    await offline.close();
    await syncOfflineRun(spoolFilePath(dir, 'secret'), options());
    const online = await openWandbRun(options({ runId: 'secret2' }));
    wandbConsoleLogger(logger, online).error(`echo ${key}`);
    await online.close();
    const written = fs.readdirSync(dir).map((name) => fs.readFileSync(path.join(dir, name), 'utf8'));
    assert.ok(written.length >= 2);
    for (const text of written) assert.ok(!text.includes(key));
    assert.ok(!server.run('team', 'proj', 'secret2').log.join('\n').includes(key));
  });
});
