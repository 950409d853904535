import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertCharCodesComplete } from '../../support/cli/charCodesOutcome';
import { buildCli, CliChild, describeResult, modelArgs, runCli } from '../../support/cli/cliProcess';

describe('gpt-batch --simulate interrupted while its batch is remote (built CLI)', function () {
  this.timeout(300_000);
  let taskDir = '';
  let child: CliChild | undefined;

  before(() => {
    buildCli();
  });
  beforeEach(() => {
    taskDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-simulate-')), 'task');
  });
  afterEach(() => {
    child?.killIfRunning();
    fs.rmSync(path.dirname(taskDir), { recursive: true, force: true });
  });

  /** One batch for the whole demo, so that the run is interrupted with all of its requests remote. */
  const args = () => ['demo', '--task', 'char_codes', '--task_dir', taskDir, '--simulate', ...modelArgs, '--max_batch_requests', '2000', '--remote_update_interval', '1'];

  async function interruptOncePushed(): Promise<string> {
    child = new CliChild(args());
    const [, remoteId] = await child.waitFor(/Pushed batch 1 as '([^']+)'/);
    child.process.kill('SIGINT');
    const stopped = await child.exited;
    assert.equal(stopped.code, 0, describeResult(stopped));
    assert.match(stopped.stdout, /Stopped at a safe point/);
    return remoteId as string;
  }

  it('resumes the remote batch from the simulator state kept in the task directory and completes', async () => {
    const remoteId = await interruptOncePushed();
    assert.ok(fs.existsSync(path.join(taskDir, 'simulator', 'state.json')), 'the simulator state is in the task directory');
    const resumed = await runCli(args());
    assert.equal(resumed.code, 0, describeResult(resumed));
    assert.doesNotMatch(resumed.stdout, /Pushed batch/, 'the remote batch is processed, not pushed again');
    assert.match(resumed.stdout, new RegExp(`Finished processing batch 1 \\(${remoteId}\\)`));
    await assertCharCodesComplete(taskDir);
  });
});
