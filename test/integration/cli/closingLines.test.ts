import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, describeResult, modelArgs, runCli } from '../../support/cli/cliProcess';
import { SimChild } from '../../support/cli/simChild';

describe('gpt-batch demo and status: the closing line says how the run ended (built CLI)', function () {
  this.timeout(180_000);
  let workDir = '';
  let sim: SimChild;

  before(async () => {
    buildCli();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-closing-'));
    sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.1']);
  });
  after(async () => {
    await sim?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function demo(taskDir: string, ...flags: string[]): Promise<string> {
    const result = await runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs, '--max_batch_requests', '300', ...flags]);
    assert.equal(result.code, 0, describeResult(result));
    return result.stdout;
  }

  it('names the session limit that stopped the run', async () => {
    const out = await demo(path.join(workDir, 'limited'), '--max_session_requests', '0');
    assert.match(out, /Task 'char_codes' stopped at the session limit --max_session_requests; run the same command again to continue in a new session/);
    assert.doesNotMatch(out, /has work left/);
  });

  it('names a task limit and says to raise it', async () => {
    const out = await demo(path.join(workDir, 'task-limit'), '--max_task_requests', '0');
    assert.match(out, /Task 'char_codes' stopped at the limit --max_task_requests; raise it to continue/);
  });

  it('says that a dry run sent and saved nothing', async () => {
    const out = await demo(path.join(workDir, 'dry'), '--dryrun');
    assert.match(out, /Dry run of task 'char_codes' finished: nothing was sent and nothing was saved; run without --dryrun to do the work/);
    assert.doesNotMatch(out, /has work left/);
  });

  it('says that --commit_only pushed nothing, with the whole task\'s total, and exits 0', async () => {
    const out = await demo(path.join(workDir, 'committed'), '--commit_only');
    assert.match(out, /Whole task committed: 1140 requests to send, estimated at \d+\.\d{4} in total; stopping before any batch is formed or pushed/);
    assert.match(out, /Task 'char_codes' is committed and nothing was pushed: 1140 requests to send, \d+\.\d{4} in total; run without --commit_only to push them/);
    assert.doesNotMatch(out, /has work left/);
  });

  it('says complete after the last run and in the status of the complete task', async () => {
    const taskDir = path.join(workDir, 'complete');
    assert.match(await demo(taskDir), /Task 'char_codes' is complete; its output is in /);
    const status = await runCli(['status', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs]);
    assert.equal(status.code, 0, describeResult(status));
    assert.match(status.stdout, /Task 'char_codes' is complete: every committed sample is finished and nothing is queued/);
    assert.doesNotMatch(status.stdout, /has work left/);
  });
});
