import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';
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

  it('ends after a bounded number of 404s on a batch the simulator forgot, naming it and the way out, which completes the task', async () => {
    const remoteId = await interruptOncePushed();
    // An empty simulator state: the remote batch is unknown, as after a deletion or with another project's key.
    fs.rmSync(path.join(taskDir, 'simulator'), { recursive: true });
    const stuck = await runCli(args());
    assert.equal(stuck.code, 4, describeResult(stuck));
    assert.equal(stuck.stdout.match(/The provider does not know remote batch/g)?.length, 4, describeResult(stuck));
    assert.match(stuck.stderr, new RegExp(`Remote batch '${remoteId}' of batch 1 is unknown to the provider: 5 status polls in a row answered 404`));
    assert.match(stuck.stderr, /deleted, or this run uses a different API key, project or organization, or a different base URL/);
    assert.match(stuck.stderr, /run again with --forget_remote_batch 1 to forget it and queue its 1140 requests again/);

    const forgotten = await runCli([...args(), '--forget_remote_batch', '1']);
    assert.equal(forgotten.code, 0, describeResult(forgotten));
    assert.match(forgotten.stdout, new RegExp(`Forgot remote batch '${remoteId}' of batch 1: its 1140 requests are queued again`));
    assert.match(forgotten.stdout, /Pushed batch 2 as /);
    await assertCharCodesComplete(taskDir);
    const db = TaskDb.openReadonly(taskDbPath(taskDir));
    try {
      assert.deepEqual(db?.all("SELECT id FROM batches WHERE kind = 'batch'"), [{ id: 2 }], 'the forgotten batch left no row');
      assert.deepEqual(db?.all("SELECT count(*) AS n FROM requests WHERE batch_id = 2"), [{ n: 1140 }]);
    } finally {
      db?.close();
    }
  });
});
