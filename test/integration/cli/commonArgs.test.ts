import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertCharCodesComplete } from '../../support/cli/charCodesOutcome';
import { buildCli, CliChild, describeResult, modelArgs, runCli, type CliResult } from '../../support/cli/cliProcess';
import { apiCallCount, SimChild } from '../../support/cli/simChild';
import { countMatches, jsonlLines, loadTaskState, localBatchFiles, snapshotDir } from '../../support/cli/taskFiles';

/** The seed README's "commonly useful arguments", each run with the built CLI on the char_codes demo. */
describe('gpt-batch demo: the commonly useful arguments of the seed (built CLI)', function () {
  this.timeout(240_000);
  let workDir = '';
  let sim: SimChild;
  let taskDir = '';

  before(async () => {
    buildCli();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-args-'));
    sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.3']);
  });
  after(async () => {
    await sim?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    taskDir = fs.mkdtempSync(path.join(workDir, 'task-'));
    await sim.setFaults({ lineErrorRate: 0, lineErrorStatus: 500, failBatchRate: 0 });
    await sim.resetStats();
  });

  const demoArgs = (flags: string[]) => ['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs, ...flags];

  /** Runs the demo on this test's task and asserts the exit code (0 unless given). */
  async function demo(flags: string[], exitCode = 0): Promise<CliResult> {
    const result = await runCli(demoArgs(flags));
    assert.equal(result.code, exitCode, describeResult(result));
    return result;
  }

  /** "Pushed batch N as ... with R requests, T tokens, C assumed cost" lines: [requests, tokens] each. */
  const pushedBatches = (stdout: string) => [...stdout.matchAll(/Pushed batch \d+ as \S+ based on \S+ with (\d+) requests, (\d+) tokens/g)].map((m) => [Number(m[1]), Number(m[2])] as const);

  it('--dryrun shows what would be pushed without calling the API or changing any file', async () => {
    // 200 requests: at least --min_batch_requests (101), so the batch is pushable rather than run directly.
    await demo(['--max_session_requests', '0', '--max_batch_requests', '200', '--max_unpushed_batches', '1']);
    await sim.resetStats();
    const before = snapshotDir(taskDir);
    const result = await demo(['--dryrun']);
    assert.match(result.stdout, /\[DRYRUN\] Not pushing batch 1 with 200 requests/);
    assert.equal(apiCallCount(await sim.stats()), 0);
    assert.deepEqual(snapshotDir(taskDir), before);
  });

  it('--force_direct --direct_verbose always --max_session_requests 20 prints 20 requests with responses, and only the requests with --dryrun', async () => {
    const flags = ['--force_direct', '--direct_verbose', 'always', '--max_session_requests', '20'];
    const dry = await demo(['--max_session_requests', '0', '--max_unpushed_batches', '1']).then(() => demo([...flags, '--dryrun']));
    assert.equal(countMatches(dry.stdout, /^REQUEST ID: \d+$/gm), 20);
    assert.equal(countMatches(dry.stdout, /^RESPONSE INFO:/gm), 0);
    assert.equal(apiCallCount(await sim.stats()), 0);

    const live = await demo(flags);
    assert.equal(countMatches(live.stdout, /^REQUEST ID: \d+$/gm), 20);
    assert.equal(countMatches(live.stdout, /^RESPONSE INFO:/gm), 20);
    const stats = await sim.stats();
    assert.equal(stats.chatCompletionCalls, 20);
    assert.equal(stats.routes['POST /v1/batches'] ?? 0, 0);
  });

  it('--max_remote_ktokens 90 --max_batch_ktokens 90 keeps every batch and the remote queue under 90 ktokens (with the safety factor)', async () => {
    const result = await demo(['--max_remote_ktokens', '90', '--max_batch_ktokens', '90', '--max_session_requests', '800']);
    const limit = Math.round(90_000 / 1.05);
    const pushed = pushedBatches(result.stdout);
    assert.ok(pushed.length >= 2, describeResult(result));
    for (const [, tokens] of pushed) assert.ok(tokens <= limit, `a batch of ${tokens} tokens was pushed (limit ${limit})`);
    for (const match of result.stdout.matchAll(/resulting in .*?, (\d+) unfinished remote, and (\d+) finished remote batches/g)) {
      assert.ok(Number(match[1]) + Number(match[2]) <= 1, `two batches of ~${limit} tokens were remote at once: ${match[0]}`);
    }
    assert.match(result.stdout, /Created batch 1 = Full local batch .* due to reasons: Max batch tokens/);
  });

  it('--max_batch_requests 50 limits every batch to 50 requests', async () => {
    const result = await demo(['--max_batch_requests', '50', '--max_session_requests', '200']);
    const created = [...result.stdout.matchAll(/Created batch \d+ = .* with (\d+) requests/g)].map((m) => Number(m[1]));
    assert.ok(created.length >= 4);
    for (const size of created) assert.ok(size <= 50, `a batch of ${size} requests was created`);
    assert.deepEqual(pushedBatches(result.stdout).map(([requests]) => requests), [50, 50, 50, 50]);
    assert.equal(Object.keys((await sim.stats()).batchCustomIds).length, 200);
  });

  it('--max_remote_batches 0 --max_unpushed_batches 3 generates 3 local batches and pushes none', async () => {
    await demo(['--max_remote_batches', '0', '--max_unpushed_batches', '3', '--max_batch_requests', '100']);
    const batches = localBatchFiles(taskDir);
    assert.equal(batches.length, 3);
    for (const batch of batches) assert.equal(jsonlLines(path.join(taskDir, batch)).length, 100);
    assert.equal(apiCallCount(await sim.stats()), 0);
  });

  it('--max_retries 3 gives a request that always errs exactly 4 attempts before its sample fails', async () => {
    await sim.setFaults({ lineErrorRate: 1 });
    // Every batch fails all its lines, so the pass-failure stop must not end the run first.
    const result = await demo(['--max_retries', '3', '--max_pass_failures', '100']);
    const stats = await sim.stats();
    assert.equal(Object.keys(stats.batchCustomIds).length, 1140 * 4, describeResult(result));
    assert.ok(Object.values(stats.batchCustomIds).every((count) => count === 1));
    const outcome = await assertCharCodesComplete(taskDir);
    assert.deepEqual([outcome.succeeded, outcome.failed], [0, 1140]);
  });

  it('--min_pass_ratio 0.8 stops the run (exit 4) after --max_pass_failures consecutive batches below it', async () => {
    await sim.setFaults({ lineErrorRate: 0.3 });
    const flags = ['--max_batch_requests', '100', '--min_batch_requests', '50', '--max_remote_batches', '1', '--max_pass_failures', '2'];
    const result = await demo([...flags, '--min_pass_ratio', '0.8'], 4);
    assert.match(result.stdout, /Number of consecutive batch pass failures has reached limit \(2 ≥ 2\)/);
    assert.match(result.stderr, /consecutive batch pass failures/);
    assert.equal(countMatches(result.stdout, /Finished processing batch \d+/g), 2);

    const lenient = await demo([...flags, '--min_pass_ratio', '0.5', '--max_session_requests', '300']);
    assert.doesNotMatch(lenient.stdout, /pass failures has reached limit/);
  });

  it('--process_failed_batches 2 --retry_fatal_requests processes two failed batches, retrying their requests, then stops (exit 4)', async () => {
    await sim.setFaults({ failBatchRate: 1 });
    const result = await demo(['--max_batch_requests', '300', '--max_remote_batches', '1', '--process_failed_batches', '2', '--retry_fatal_requests'], 4);
    assert.match(result.stdout, /Processing failed batch 1 .* anyway/);
    assert.match(result.stdout, /Have processed a total of 2 failed batches in this session/);
    assert.doesNotMatch(result.stdout, /Have processed a total of 3 failed batches/);
    assert.match(result.stderr, /Batch status is 'failed'/);
    const state = await loadTaskState(taskDir);
    assert.equal(Object.keys(state.failed_samples).length, 0, 'fatal results of processed failed batches were not retried');

    await sim.setFaults({ failBatchRate: 0 });
    await demo(['--max_batch_requests', '300', '--process_failed_batches', '-1', '--retry_fatal_requests']);
    const outcome = await assertCharCodesComplete(taskDir);
    assert.deepEqual([outcome.succeeded, outcome.failed], [1140, 0]);
  });

  it('--only_process processes the pushed batches and pushes nothing new', async () => {
    const first = new CliChild(demoArgs(['--max_batch_requests', '100', '--max_remote_batches', '2']));
    try {
      await first.waitFor(/Pushed batch 1 as/);
      first.process.kill('SIGKILL');
      await first.exited;
    } finally {
      first.killIfRunning();
    }
    // Counted on the simulator: a batch created just before the kill is on the remote even if no line says so.
    const pushed = Object.keys((await sim.stats()).batchCustomIds).length;
    const processedBefore = Object.keys((await loadTaskState(taskDir)).succeeded_samples).length;
    await sim.resetStats();
    const result = await demo(['--only_process']);
    const stats = await sim.stats();
    assert.equal(stats.routes['POST /v1/batches'] ?? 0, 0, 'only-process pushed a batch');
    assert.equal(stats.routes['POST /v1/files'] ?? 0, 0, 'only-process uploaded a file');
    assert.equal(stats.chatCompletionCalls, 0, 'only-process made direct requests');
    const after = await loadTaskState(taskDir);
    assert.ok(pushed >= 100);
    assert.equal(Object.keys(after.succeeded_samples).length, pushed, `${processedBefore} processed before the kill\n${describeResult(result)}`);
    assert.match(result.stdout, /There are 0 unfinished and 0 finished REMOTE batches with a combined total/);
  });

  it('--reinit_meta replaces the stored task metadata, which a changed --model alone does not', async () => {
    // MODELARGS without its --model, which these runs set themselves.
    const prices = modelArgs.slice(modelArgs.indexOf('--model') + 2);
    const run = async (flags: string[]) => {
      const result = await runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...prices, '--no_run', ...flags]);
      assert.equal(result.code, 0, describeResult(result));
      return result;
    };
    await run(['--model', 'gpt-4o-mini-2024-07-18']);
    assert.equal((await loadTaskState(taskDir)).meta.model, 'gpt-4o-mini-2024-07-18');
    const ignored = await run(['--model', 'gpt-4o-2024-08-06']);
    assert.match(ignored.stdout, /Task meta model = "gpt-4o-mini-2024-07-18"/);
    assert.match(ignored.stdout, /differs from the stored task meta in model \(stored "gpt-4o-mini-2024-07-18", configured "gpt-4o-2024-08-06"\): the stored meta is used; run with --reinit_meta/);
    assert.equal((await loadTaskState(taskDir)).meta.model, 'gpt-4o-mini-2024-07-18');
    await run(['--reinit_meta', '--model', 'gpt-4o-2024-08-06']);
    assert.equal((await loadTaskState(taskDir)).meta.model, 'gpt-4o-2024-08-06');
    const kept = await run([]);
    assert.match(kept.stdout, /Task meta model = "gpt-4o-2024-08-06"/);
  });

  it('--wipe_failed forgets the failed samples so that a later run attempts them again', async () => {
    await sim.setFaults({ lineErrorRate: 0.2 });
    await demo(['--max_retries', '0', '--max_batch_requests', '200', '--max_session_requests', '200']);
    const failed = Object.keys((await loadTaskState(taskDir)).failed_samples);
    assert.ok(failed.length > 10, `only ${failed.length} samples failed`);

    await sim.setFaults({ lineErrorRate: 0 });
    const wiped = await demo(['--wipe_failed', '--no_run']);
    assert.match(wiped.stdout, /succeeded \+ 0 failed/);
    const state = await loadTaskState(taskDir);
    assert.equal(Object.keys(state.failed_samples).length, 0);
    for (const key of failed) assert.equal(Object.hasOwn(state.committed_samples, key), false, `${key} is still committed`);

    await demo([]);
    const outcome = await assertCharCodesComplete(taskDir);
    assert.deepEqual([outcome.succeeded, outcome.failed], [1140, 0]);
  });
});
