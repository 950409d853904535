import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertCharCodesComplete } from '../../support/cli/charCodesOutcome';
import { buildCli, CliChild, describeResult, modelArgs, repoRoot, runCli } from '../../support/cli/cliProcess';
import { SimChild } from '../../support/cli/simChild';

describe('gpt-batch demo: stopping a run, and the npm run demo command line (built CLI)', function () {
  this.timeout(180_000);
  let workDir = '';

  before(() => {
    buildCli();
  });
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-stop-'));
  });
  afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  describe('against a simulator', () => {
    let sim: SimChild | undefined;
    afterEach(async () => {
      await sim?.stop();
      sim = undefined;
    });

    it('a second Ctrl+C while a batch is being processed says the unit is still finishing; the unit is saved', async () => {
      sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.3']);
      const taskDir = path.join(workDir, 'task');
      const args = ['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs];
      const child = new CliChild(args);
      try {
        // This line is logged just before the unit that processes the batch starts; the unit then runs the task's
        // processing of 1140 results and commits, and the signals are handled while it awaits its writes.
        await child.waitFor(/Batch 1 took .* \(PRIOR to task-specific processing\)/);
        child.process.kill('SIGINT');
        await child.waitFor(/Received SIGINT: stopping at the next safe point/);
        child.process.kill('SIGINT');
        const result = await child.exited;
        assert.equal(result.code, 0, describeResult(result));
        const second = result.stdout.indexOf('Received SIGINT again: still finishing the current unit of work');
        assert.ok(second >= 0, describeResult(result));
        assert.ok(result.stdout.indexOf('Stopped at a safe point') > second, 'the run stopped before it reported the second Ctrl+C');
        const stopLine = result.stdout.split('\n').find((line) => line.includes('Stopped at a safe point')) ?? '';
        assert.match(stopLine, /Stopped at a safe point: Interrupted \(SIGINT\); the last finished unit of work is saved; run the same command again to continue\.$/);
        assert.equal(stopLine.match(/unit of work is saved/g)?.length, 1, stopLine);
      } finally {
        child.killIfRunning();
      }
      // The unit finished: the batch's results are saved, so the next run has nothing left to push.
      await sim.resetStats();
      const restarted = await runCli(args);
      assert.equal(restarted.code, 0, describeResult(restarted));
      assert.match(restarted.stdout, /Task 'char_codes' is complete/);
      assert.equal((await sim.stats()).routes['POST /v1/batches'] ?? 0, 0, 'the processed batch was pushed again');
      const outcome = await assertCharCodesComplete(taskDir);
      assert.equal(outcome.succeeded, 1140);
    });

    it('stops at a safe point and exits 0 when its output pipe is closed (gpt-batch ... | head)', async () => {
      sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.3']);
      const taskDir = path.join(workDir, 'task');
      const args = ['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs];
      const child = new CliChild(args);
      try {
        await child.waitFor(/Running task manager/);
        child.process.stdout?.destroy();
        const result = await child.exited;
        assert.equal(result.code, 0, describeResult(result));
        assert.doesNotMatch(result.stderr, /EPIPE|Error/);
      } finally {
        child.killIfRunning();
      }
      const restarted = await runCli(args);
      assert.equal(restarted.code, 0, describeResult(restarted));
      assert.match(restarted.stdout, /Task 'char_codes' is complete/);
      await assertCharCodesComplete(taskDir);
    });
  });

  it("runs the command line of 'npm run demo' to completion", async () => {
    const script = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.demo ?? '';
    const command = script.split('&&').map((part) => part.trim()).find((part) => part.startsWith('node dist/cli.js '));
    assert.ok(command, `the demo script does not run dist/cli.js: ${script}`);
    // Run from a temp directory so that its relative --task_dir lands there rather than in the repository.
    const result = await runCli(command.split(/\s+/).slice(2), { cwd: workDir });
    assert.equal(result.code, 0, describeResult(result));
    assert.match(result.stdout, /Task 'char_codes' is complete/);
    const taskDir = path.join(workDir, '.gpt-batch', 'demo');
    const outcome = await assertCharCodesComplete(taskDir);
    assert.equal(outcome.succeeded, 1140);
  });
});
