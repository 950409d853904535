import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertCharCodesComplete } from '../../support/cli/charCodesOutcome';
import { buildCli, CliChild, describeResult, modelArgs, runCli, type CliResult } from '../../support/cli/cliProcess';
import { apiCallCount, SimChild } from '../../support/cli/simChild';
import { countMatches, jsonlLines, loadTaskState, localBatchFiles, snapshotDir } from '../../support/cli/taskFiles';
import { queuedRequestIds } from '../../support/taskManager/taskStateAt';

/**
 * The "safe steps when trying out a new custom task" of the seed README (A–H and the status command), run with the
 * built CLI on the char_codes demo against a `gpt-batch sim` child.
 */
describe('gpt-batch demo: the seed steps A–H (built CLI)', function () {
  this.timeout(240_000);
  let workDir = '';
  let sim: SimChild;
  let taskDir = '';

  before(async () => {
    buildCli();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-seed-'));
    sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.3']);
  });
  after(async () => {
    await sim?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    taskDir = fs.mkdtempSync(path.join(workDir, 'task-'));
    await sim.resetStats();
  });

  /** Runs the char_codes demo on this test's task with the seed's MODELARGS and asserts that it exits 0. */
  async function demo(...flags: string[]): Promise<CliResult> {
    const result = await runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs, ...flags]);
    assert.equal(result.code, 0, describeResult(result));
    return result;
  }

  const stepA = ['--max_session_requests', '0', '--max_batch_requests', '100', '--max_unpushed_batches', '1'];

  it('A) creates one local batch of 100 requests and pushes nothing', async () => {
    const result = await demo(...stepA);
    const batches = localBatchFiles(taskDir);
    assert.equal(batches.length, 1, `local batches: ${batches.join(', ')}`);
    const lines = jsonlLines(path.join(taskDir, batches[0] as string));
    assert.equal(lines.length, 100);
    assert.equal(new Set(lines.map((line) => line.custom_id)).size, 100, 'custom_ids of the batch are not distinct');
    assert.equal(apiCallCount(await sim.stats()), 0, 'step A called the API');
    assert.match(result.stdout, /stopped at the session limit --max_session_requests; run the same command again to continue in a new session/);
  });

  it('B) prints 10 verbose requests without calling the API or changing any file', async () => {
    await demo(...stepA);
    await sim.resetStats();
    const before = snapshotDir(taskDir);
    const result = await demo('--force_direct', '--direct_verbose', 'always', '--max_session_requests', '10', '--dryrun');
    assert.equal(countMatches(result.stdout, /^REQUEST ID: \d+$/gm), 10, describeResult(result));
    assert.equal(countMatches(result.stdout, /^RESPONSE INFO:/gm), 0, 'a dry run printed responses');
    assert.equal(apiCallCount(await sim.stats()), 0, 'the dry run called the API');
    assert.deepEqual(snapshotDir(taskDir), before, 'the dry run changed files of the task');
  });

  it('C) makes exactly 10 direct requests and prints each with its response', async () => {
    const result = await demo('--force_direct', '--direct_verbose', 'always', '--max_session_requests', '10');
    const stats = await sim.stats();
    assert.equal(stats.chatCompletionCalls, 10);
    assert.equal(Object.keys(stats.directRequestIdsAnswered).length, 10);
    assert.equal(stats.routes['POST /v1/batches'] ?? 0, 0, 'step C pushed a batch');
    assert.equal(countMatches(result.stdout, /^REQUEST ID: \d+$/gm), 10);
    assert.equal(countMatches(result.stdout, /^RESPONSE INFO:/gm), 10);
    const state = await loadTaskState(taskDir);
    assert.equal(Object.keys(state.succeeded_samples).length, 10);
  });

  it('D) makes exactly 100 direct requests and prints none verbosely when none had a warning or error', async () => {
    const result = await demo('--force_direct', '--direct_verbose', 'warn', '--max_session_requests', '100');
    const stats = await sim.stats();
    assert.equal(stats.chatCompletionCalls, 100);
    assert.equal(Object.keys(stats.directRequestIdsAnswered).length, 100);
    assert.equal(stats.routes['POST /v1/batches'] ?? 0, 0, 'step D pushed a batch');
    assert.equal(countMatches(result.stdout, /^REQUEST ID:/gm), 0, 'requests without warnings or errors were printed');
    const state = await loadTaskState(taskDir);
    assert.equal(Object.keys(state.succeeded_samples).length, 100);
  });

  it("E) runs 250 requests through the Batch API and prints the 'completion ratio' and 'max … tokens' lines", async () => {
    const result = await demo('--max_batch_requests', '250', '--max_session_requests', '250');
    const stats = await sim.stats();
    assert.equal(stats.routes['POST /v1/batches'], 1);
    assert.equal(Object.keys(stats.batchCustomIds).length, 250);
    assert.equal(stats.chatCompletionCalls, 0, 'step E used the direct API');
    const state = await loadTaskState(taskDir);
    assert.equal(Object.keys(state.succeeded_samples).length, 250);
    assert.match(result.stdout, /^.*Batch 1 received 250\/250 responses.*max \d+ tokens, completion ratio \d/m, 'no per-batch max tokens and completion ratio');
    assert.match(result.stdout, /^.*requests have been COMPLETED.*max \d+ completion tokens, [\d.]+ success completion ratio/m, 'no overall max completion tokens and completion ratio');
  });

  it('F) after an only-process run, wipes the ongoing requests and keeps every pushed batch and the session within the cost caps', async () => {
    await demo(...stepA);
    const [staleBatch] = localBatchFiles(taskDir);
    await sim.resetStats();
    const onlyProcess = await demo('--assumed_completion_ratio', '0.35', '--only_process');
    assert.equal(apiCallCount(await sim.stats()), 0, 'only-process ran without remote batches yet called the API');
    assert.match(onlyProcess.stdout, /Only-process mode/);

    // The seed's caps are 1.00 (the whole demo costs a few cents at MODELARGS prices); these bind.
    const maxBatchCost = 0.01;
    const maxSessionCost = 0.025;
    const result = await demo('--wipe_requests', '--assumed_completion_ratio', '0.35', '--max_batch_cost', String(maxBatchCost), '--max_session_cost', String(maxSessionCost));
    assert.ok(!localBatchFiles(taskDir).includes(staleBatch as string), 'the wiped local batch is still there');
    const pushed = [...result.stdout.matchAll(/Pushed batch \d+ as .* with (\d+) requests, \d+ tokens, ([\d.]+) assumed cost/g)];
    assert.ok(pushed.length >= 2, `expected at least 2 pushed batches:\n${describeResult(result)}`);
    for (const match of pushed) assert.ok(Number(match[2]) <= maxBatchCost, `a batch of assumed cost ${match[2]} was pushed`);
    const session = /SESSION push statistics are (\d+) requests, \d+ input tokens, ([\d.]+) assumed cost/.exec(result.stdout.slice(result.stdout.lastIndexOf('SESSION push statistics')));
    assert.ok(session, 'no session push statistics');
    assert.ok(Number(session[2]) <= maxSessionCost, `session assumed cost ${session[2]} is over ${maxSessionCost}`);
    assert.match(result.stdout, /not to push certain batches right now: Max session cost/);
    const stats = await sim.stats();
    // Batches below --min_batch_requests go through the direct API; both kinds count towards the session.
    const ids = [...Object.keys(stats.batchCustomIds), ...Object.keys(stats.directRequestIds)].map((id) => Number(id.replace(/^id-/, '')));
    assert.equal(ids.length, Number(session[1]));
    assert.ok(Math.min(...ids) > 100, 'a wiped request ID was reused');
  });

  it('G) resets the whole task to scratch without running it', async () => {
    await demo('--force_direct', '--max_session_requests', '10');
    await sim.resetStats();
    const result = await demo('--wipe_task', '--no_run', '--assumed_completion_ratio', '0.35');
    assert.equal(apiCallCount(await sim.stats()), 0);
    assert.match(result.stdout, /There are 0 committed SAMPLES/);
    const state = await loadTaskState(taskDir);
    assert.equal(Object.keys(state.committed_samples).length, 0);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(taskDir, 'char_codes_output.json'), 'utf8')), { chars: {} });
    assert.deepEqual(localBatchFiles(taskDir), []);
    assert.deepEqual(queuedRequestIds(taskDir), []);
  });

  it('H) survives Ctrl+C and a restart, completes under --max_remote_ktokens 5000, and --no_run (or gpt-batch status) prints the status', async () => {
    const stepH = ['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs, '--assumed_completion_ratio', '0.35', '--max_remote_ktokens', '5000'];
    const first = new CliChild(stepH);
    try {
      await first.waitFor(/Pushed batch 1 as/);
      first.process.kill('SIGINT');
      const stopped = await first.exited;
      assert.equal(stopped.code, 0, describeResult(stopped));
      assert.match(stopped.stdout, /Stopped at a safe point/);
      assert.match(stopped.stdout, /run the same command again to continue/);
    } finally {
      first.killIfRunning();
    }
    const restarted = await runCli(stepH);
    assert.equal(restarted.code, 0, describeResult(restarted));
    assert.match(restarted.stdout, /Task 'char_codes' is complete/);
    const outcome = await assertCharCodesComplete(taskDir);
    assert.equal(outcome.succeeded, 1140);
    const stats = await sim.stats();
    assert.equal(stats.routes['POST /v1/batches'], 1, 'the restart pushed the batch again');
    for (const match of restarted.stdout.matchAll(/Pushed batch \d+ as .* with \d+ requests, (\d+) tokens/g)) assert.ok(Number(match[1]) <= 5_000_000 / 1.05);

    await sim.resetStats();
    const status = await runCli([...stepH, '--no_run']);
    assert.equal(status.code, 0, describeResult(status));
    assert.match(status.stdout, /There are 1140 committed SAMPLES \(0 pending \+ 1140 responded at least once\), and 1140 succeeded/);
    assert.match(status.stdout, /Not running the task manager/);
    const statusCommand = await runCli(['status', ...stepH.slice(1)]);
    assert.equal(statusCommand.code, 0, describeResult(statusCommand));
    assert.match(statusCommand.stdout, /Samples: 1140 succeeded, 0 failed, 0 pending/);
    assert.match(statusCommand.stdout, /Task 'char_codes' is complete/);
    assert.equal(apiCallCount(await sim.stats()), 0, 'a status run called the API');
  });
});
