import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertCharCodesComplete } from '../../support/cli/charCodesOutcome';
import { buildCli, describeResult, modelArgs, runCli } from '../../support/cli/cliProcess';
import { describeRuns, interruptUntilComplete } from '../../support/cli/interruptLoop';
import { SimChild } from '../../support/cli/simChild';

/** Signalled runs per loop. */
const signalsPerLoop = 10;
/** Direct requests in flight at once: what a kill -9 can lose (answered by the provider, not yet saved). */
const directConcurrency = 2;

const alternating = Array.from({ length: signalsPerLoop }, (_, i): 'SIGINT' | 'SIGKILL' => (i % 2 === 0 ? 'SIGINT' : 'SIGKILL'));
const only = (signal: 'SIGINT' | 'SIGKILL') => Array.from({ length: signalsPerLoop }, () => signal);

describe('gpt-batch demo under Ctrl+C and kill -9 at observed points of the run (built CLI)', function () {
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
    // Each run is signalled after it pushed or finished processing 1–3 batches (batch creations and file deletions).
    const progress = async () => {
      const routes = (await sim?.stats())?.routes ?? {};
      return (routes['POST /v1/batches'] ?? 0) + (routes['DELETE /v1/files/{id}'] ?? 0);
    };
    const report = await interruptUntilComplete(args, { signals: alternating, progress, stepOf: (run) => 1 + (run % 3) });
    assert.ok(report.interrupts >= signalsPerLoop - 2, `only ${report.interrupts} of the signals landed mid-run\n${describeRuns(report.runs)}`);

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

  for (const [name, signals, allowedPerKill] of [
    ['Ctrl+C: no answered request is ever sent again', only('SIGINT'), 0],
    ['kill -9: at most the requests in flight at each kill are sent again', only('SIGKILL'), directConcurrency],
  ] as const) {
    it(`direct mode with 429s under ${name}`, async () => {
      // 40 ms answers, two at a time, make about 25 s of work, so that every signal lands mid-run.
      sim = await SimChild.start(path.join(workDir, 'sim'), ['--rate_limit_rate', '0.03', '--rate_limit_retry_after', '0', '--chat_latency_ms', '40']);
      const taskDir = path.join(workDir, 'task');
      const args = [
        'demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs,
        '--force_direct', '--max_direct_requests', '50', '--max_batch_requests', '200', '--remote_update_interval', '1',
        '--direct_concurrency', String(directConcurrency),
      ];
      const answeredTotal = async () => Object.values((await sim?.stats())?.directRequestIdsAnswered ?? {}).reduce((sum, n) => sum + n, 0);
      // Signalled after 15–75 answers of its own: inside a virtual batch, at its end, or between batches.
      const report = await interruptUntilComplete(args, { signals: [...signals], progress: answeredTotal, stepOf: (run) => 15 + ((run * 37) % 61) });
      assert.ok(report.interrupts >= signalsPerLoop - 1, `only ${report.interrupts} of the signals landed mid-run\n${describeRuns(report.runs)}`);

      const outcome = await assertCharCodesComplete(taskDir);
      assert.ok(outcome.succeeded > 1000, `only ${outcome.succeeded} samples succeeded`);
      const stats = await sim.stats();
      // Answers are saved as they arrive: a Ctrl+C lets the requests in flight finish, and a kill -9 loses at most
      // the answers that were in flight, which a later run asks for again under the same X-Client-Request-Id.
      const answered = Object.entries(stats.directRequestIdsAnswered);
      const excess = answered.filter(([, count]) => count > 1);
      const repeats = excess.reduce((sum, [, count]) => sum + count - 1, 0);
      assert.ok(repeats <= report.interrupts * allowedPerKill, `${repeats} answers were paid twice (${excess.map(([id, n]) => `${id}×${n}`).join(', ')}) with ${report.interrupts} interrupts\n${describeRuns(report.runs)}`);
      assert.ok(answered.length >= 1140, `only ${answered.length} distinct requests were answered`);
      assert.ok((stats.statusCodes['429'] ?? 0) > 0, 'no API call was answered 429');
      await finalStatus(args);
    });
  }
});
