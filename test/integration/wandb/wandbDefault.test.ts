import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, cliEnv, describeResult, modelArgs, runCli } from '../../support/cli/cliProcess';
import { SimChild } from '../../support/cli/simChild';
import { FakeWandb } from '../../support/wandb/fakeWandb';

describe('W&B by default only when it is set up (built CLI, simulator child, fake W&B server)', function () {
  this.timeout(180_000);
  let workDir = '';
  let sim: SimChild;
  let wandb: FakeWandb;

  before(async () => {
    buildCli();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wandb-default-'));
    sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.1']);
    wandb = await FakeWandb.start();
  });
  after(async () => {
    await sim?.stop();
    await wandb?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** A real (not --simulate) run against the simulator child, without --no_wandb. */
  const demo = (taskDir: string, env: NodeJS.ProcessEnv, ...flags: string[]) =>
    runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir, '--client_base_url', sim.baseUrl, '--openai_api_key', 'sim', ...modelArgs, '--max_batch_requests', '300', ...flags], { env });

  it('runs without WANDB_API_KEY and without --no_wandb, logging nothing to W&B', async () => {
    const result = await demo(path.join(workDir, 'plain'), cliEnv());
    assert.equal(result.code, 0, describeResult(result));
    assert.doesNotMatch(result.stdout + result.stderr, /WANDB|W&B/);
    assert.match(result.stdout, /Task 'char_codes' is complete/);
  });

  it('logs to W&B when WANDB_API_KEY is set, without --wandb', async () => {
    const env = cliEnv({ WANDB_API_KEY: wandb.apiKey, WANDB_BASE_URL: wandb.baseUrl });
    const result = await demo(path.join(workDir, 'logged'), env, '--wandb_entity', 'team', '--wandb_project', 'proj', '--wandb_run_id', 'byKey', '--wandb_dir', workDir);
    assert.equal(result.code, 0, describeResult(result));
    assert.ok(wandb.rows('team', 'proj', 'byKey').length > 0, 'no W&B rows were logged');
  });

  it('--wandb without a key still fails naming WANDB_API_KEY and --no_wandb', async () => {
    const result = await demo(path.join(workDir, 'asked'), cliEnv(), '--wandb');
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /WANDB_API_KEY.*--no_wandb/);
  });
});
