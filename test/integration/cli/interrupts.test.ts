import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertCharCodesComplete } from '../../support/cli/charCodesOutcome';
import { buildCli, describeResult, modelArgs, runCli } from '../../support/cli/cliProcess';
import { describeRuns, interruptUntilComplete } from '../../support/cli/interruptLoop';
import { SimChild } from '../../support/cli/simChild';

/** Signalled runs per mode; with the final uninterrupted runs this gives over 30 runs in total. */
const interruptsPerMode = 16;
/**
 * Signals that must land before the run ends by itself. The random delays are short against the length of a whole
 * run (about 20 s in batch mode and 25 s in direct mode on an idle machine), so most runs are cut short; a few may
 * land after the task has completed.
 */
const minLanded = 10;
/** Requests per direct virtual batch in the direct-mode run, which bounds what one interrupt can make re-send. */
const directBatchRequests = 20;

describe('gpt-batch demo under Ctrl+C and kill -9 at random moments (built CLI)', function () {
  // Dozens of CLI runs of a 1140-request task; generous for a loaded 2-core machine.
  this.timeout(1_200_000);
  let workDir = '';
  let sim: SimChild | undefined;

  before(() => {
    buildCli();
  });
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-interrupts-'));
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function finalStatus(args: string[]): Promise<void> {
    const status = await runCli([...args, '--no_run']);
    assert.equal(status.code, 0, `status run after completion failed\n${describeResult(status)}`);
    assert.match(status.stdout, /There are 1140 committed SAMPLES \(0 pending/);
  }

  it('batch mode with line errors and 429s: every sample gets exactly one result and no custom_id is pushed twice', async () => {
    sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.3', '--line_error_rate', '0.05', '--rate_limit_rate', '0.03', '--rate_limit_retry_after', '0']);
    const taskDir = path.join(workDir, 'task');
    const args = [
      'demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs,
      '--max_batch_requests', '60', '--min_batch_requests', '20', '--max_unpushed_batches', '2', '--max_remote_batches', '1', '--remote_update_interval', '1',
    ];
    const report = await interruptUntilComplete(args, { interrupts: interruptsPerMode, maxDelayMs: 3000 });
    assert.ok(report.interrupts >= minLanded, `only ${report.interrupts} of the signals landed before the runs ended by themselves\n${describeRuns(report.runs)}`);

    const outcome = await assertCharCodesComplete(taskDir);
    assert.ok(outcome.succeeded > 1000, `only ${outcome.succeeded} samples succeeded`);
    const stats = await sim.stats();
    const pushedTwice = Object.entries(stats.batchCustomIds).filter(([, count]) => count > 1);
    assert.deepEqual(pushedTwice, [], 'custom_ids that arrived in more than one batch');
    const lineErrors = Object.keys(stats.batchCustomIds).length - 1140;
    assert.ok(lineErrors > 0, 'no request was retried: the line errors did not happen');
    assert.ok((stats.statusCodes['429'] ?? 0) > 0, 'no API call was answered 429');
    await finalStatus(args);
  });

  it('direct mode with 429s: every sample gets exactly one result and answered requests are re-sent only after interrupts', async () => {
    // Two requests in flight at 40 ms each make about 25 s of work, so that the interrupts keep landing mid-run.
    sim = await SimChild.start(path.join(workDir, 'sim'), ['--rate_limit_rate', '0.03', '--rate_limit_retry_after', '0', '--chat_latency_ms', '40']);
    const taskDir = path.join(workDir, 'task');
    const args = [
      'demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs,
      '--force_direct', '--max_direct_requests', String(directBatchRequests), '--max_batch_requests', '200', '--remote_update_interval', '1',
      '--direct_concurrency', '2',
    ];
    const report = await interruptUntilComplete(args, { interrupts: interruptsPerMode, maxDelayMs: 2500 });
    assert.ok(report.interrupts >= minLanded, `only ${report.interrupts} of the signals landed before the runs ended by themselves\n${describeRuns(report.runs)}`);

    const outcome = await assertCharCodesComplete(taskDir);
    assert.ok(outcome.succeeded > 1000, `only ${outcome.succeeded} samples succeeded`);
    const stats = await sim.stats();
    // An interrupt discards the virtual batch in flight (nothing of it is saved), so its requests, some of them
    // already answered, are sent again by a later run under the same X-Client-Request-Id. One interrupt can thus
    // add at most one extra answer to each request of one virtual batch; nothing else may be answered twice.
    const answered = Object.entries(stats.directRequestIdsAnswered);
    const excess = answered.reduce((sum, [, count]) => sum + count - 1, 0);
    const worst = answered.reduce((max, [, count]) => Math.max(max, count), 0);
    assert.ok(worst <= 1 + report.interrupts, `a request was answered ${worst} times with only ${report.interrupts} interrupts`);
    assert.ok(excess <= report.interrupts * directBatchRequests, `${excess} repeated answers exceed ${report.interrupts} interrupts × ${directBatchRequests} requests`);
    assert.ok(answered.length >= 1140, `only ${answered.length} distinct requests were answered`);
    assert.ok((stats.statusCodes['429'] ?? 0) > 0, 'no API call was answered 429');
    await finalStatus(args);
  });
});
