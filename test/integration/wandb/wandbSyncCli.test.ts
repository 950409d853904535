import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noopLogger } from '../../../src/engine/log';
import { spoolFilePath } from '../../../src/engine/wandb/offlineSpool';
import { openWandbRun } from '../../../src/engine/wandb/wandbRun';
import { FakeWandb } from '../../support/wandb/fakeWandb';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI without blocking this process, which serves the fake W&B server. */
function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('gpt-batch wandb-sync (built CLI, fake server)', function () {
  this.timeout(120_000);
  let server: FakeWandb;
  let dir: string;
  let spool: string;

  before(() => {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'pipe' });
  });

  beforeEach(async () => {
    server = await FakeWandb.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wandb-cli-'));
    const run = await openWandbRun({ mode: 'offline', project: 'recorded', runId: 'cli1', dir, config: { n: 1 }, logger: noopLogger });
    run.log({ x: 1 });
    run.log({ x: 2 });
    await run.close({ exitCode: 0 });
    spool = spoolFilePath(dir, 'cli1');
  });

  afterEach(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a spool file to the project given by --wandb_project', async () => {
    const result = await runCli(['wandb-sync', spool, '--wandb_project', 'uploaded'], {
      WANDB_API_KEY: server.apiKey,
      WANDB_BASE_URL: server.baseUrl,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Uploaded 2 history row\(s\)/);
    assert.ok(result.stdout.includes(`${server.baseUrl}/viewer-entity/uploaded/runs/cli1`));
    assert.deepEqual(server.rows('viewer-entity', 'uploaded', 'cli1').map((row) => row.x), [1, 2]);
    assert.equal(server.run('viewer-entity', 'uploaded', 'cli1').complete, true);
  });

  it('exits with the bad-input code on a rejected key, without printing the key', async () => {
    const badKey = 'not-the-right-key-42';
    const result = await runCli(['wandb-sync', spool], { WANDB_API_KEY: badKey, WANDB_BASE_URL: server.baseUrl });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /401/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(badKey));
    assert.equal(fs.existsSync(`${spool}.synced`), false);
  });
});
