import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, CliChild, cliEnv, describeResult, modelArgs, runCli } from '../../support/cli/cliProcess';
import { SimChild } from '../../support/cli/simChild';

describe('gpt-batch status while a run is going on (built CLI)', function () {
  this.timeout(180_000);
  let workDir = '';
  let sim: SimChild;
  let run: CliChild | undefined;

  before(async () => {
    buildCli();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-status-'));
    // Batches that take long enough that the run is still waiting on them when status reads the task.
    sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '60']);
  });
  after(async () => {
    run?.killIfRunning();
    await sim?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('answers from a second process, with no API key and no W&B key, with the live counts of the running task', async () => {
    const taskDir = path.join(workDir, 'task');
    run = new CliChild(['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs, '--max_batch_requests', '400']);
    await run.waitFor(/Pushed batch 3 as '([^']+)'/);
    assert.equal(run.process.exitCode, null, 'the run is still going on');

    const env = cliEnv();
    assert.equal(env.OPENAI_API_KEY, undefined);
    assert.equal(env.WANDB_API_KEY, undefined);
    const status = await runCli(['status', '--task', 'char_codes', '--task_dir', taskDir, ...modelArgs], { env });
    assert.equal(status.code, 0, describeResult(status));
    assert.equal(run.process.exitCode, null, 'status answered while the run held the task lock');
    assert.match(status.stdout, /Samples: 0 succeeded, 0 failed, 1140 pending/);
    assert.match(status.stdout, /Requests: 0 queued \(in no batch yet\), 0 in 0 local batch\(es\)/);
    for (const id of [1, 2, 3]) assert.match(status.stdout, new RegExp(`batch ${id} = batch_\\w+: (validating|in_progress|finalizing)`));
    assert.match(status.stdout, /Task 'char_codes' has work left/);
    assert.doesNotMatch(status.stdout + status.stderr, /lock|API key|WANDB/i);

    const remote = await runCli(['status', '--task', 'char_codes', '--task_dir', taskDir, '--remote', ...modelArgs], { env });
    assert.equal(remote.code, 2, 'asking the provider needs the key');
    assert.match(remote.stderr, /No OpenAI API key/);
    const withKey = await runCli(['status', '--task', 'char_codes', '--task_dir', taskDir, '--remote', '--client_base_url', sim.baseUrl, '--openai_api_key', 'sim', ...modelArgs], { env });
    assert.equal(withKey.code, 0, describeResult(withKey));
    assert.match(withKey.stdout, /provider now: (validating|in_progress|finalizing), \d+\/400 done/);

    run.process.kill('SIGINT');
    const ended = await run.exited;
    assert.equal(ended.code, 0, describeResult(ended));
  });
});
