import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, run, useCliWandb } from '../../support/wandb/cliWandb';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe('W&B logging of a demo run (built CLI, simulator, fake W&B server)', function () {
  this.timeout(180_000);
  const scratch = useCliWandb('wandb-demo');

  const demo = (extra: string[]) =>
    run(
      process.execPath,
      [cli, 'demo', '--task', 'utterance_emotion', '--simulate', '--task_dir', path.join(scratch.workDir, 'task'), '--wandb', '--wandb_entity', 'team', '--wandb_project', 'proj', '--wandb_run_id', 'demo1', '--wandb_dir', scratch.workDir, ...extra],
      { env: { ...process.env, WANDB_API_KEY: scratch.server.apiKey, WANDB_BASE_URL: scratch.server.baseUrl, WANDB_MODE: 'online' }, maxBuffer: 64 * 1024 * 1024 },
    );

  it('logs the requester, result, queue and task metrics with increasing steps, and a resumed run appends', async () => {
    await demo([]);
    const rows = scratch.server.rows('team', 'proj', 'demo1');
    assert.ok(rows.length >= 3, `only ${rows.length} history rows`);
    const steps = rows.map((row) => row._step as number);
    assert.deepEqual(steps, steps.map((_, i) => i), 'steps count up from 0 without gaps');
    const keys = new Set(rows.flatMap((row) => Object.keys(row)));
    for (const key of [
      'Task/run_step',
      'Task/samples_committed',
      'Task/samples_succeeded',
      'Result/batch_id',
      'Result/num_requests',
      'Result/pass_ratio',
      'Batch/num_unpushed',
      'Batch/num_total',
      'Batch/num_completed',
      'Direct/num_completed',
      'Output/num_files',
      'Output/last_file_entries',
      'Output/last_file_size_mb',
      'Batch/remote_requests',
      'Pushed/session_requests',
      'Pushed/task_pred_cost',
      'Metrics/num_requests',
      'Metrics/completion_ratio',
      'Queue/queue_len',
      'Usage/prompt_ktok',
      'Usage/completion_ktok',
      'TaskMeta/model',
    ]) {
      assert.ok(keys.has(key), `no row has ${key}`);
    }
    const run1 = scratch.server.run('team', 'proj', 'demo1');
    assert.equal(run1.complete, true);
    assert.equal(run1.jobType, 'gpt_batch_api');

    await demo([]);
    const resumed = scratch.server.rows('team', 'proj', 'demo1');
    assert.ok(resumed.length > rows.length, 'the resumed run appended rows');
    assert.deepEqual(resumed.slice(0, rows.length), rows, 'earlier rows are kept as they were');
    const allSteps = resumed.map((row) => row._step as number);
    assert.deepEqual(allSteps, allSteps.map((_, i) => i), 'the resumed run continues the steps');
  });

  it('a --no_run run on the resumed W&B run logs the loaded state there as one row', async () => {
    const before = scratch.server.rows('team', 'proj', 'demo1');
    await demo(['--no_run']);
    const after = scratch.server.rows('team', 'proj', 'demo1');
    assert.equal(after.length, before.length + 1, 'the status run logged one row');
    const row = after.at(-1) ?? {};
    assert.equal(row['Batch/num_completed'], row['Batch/num_total']);
    assert.ok(Number(row['Batch/num_completed']) >= 1, JSON.stringify(row));
    assert.equal(row['Task/samples_pending'], 0);
    assert.equal(typeof row['Output/last_file_entries'], 'number');
  });

  it('never writes the W&B key into any file of the task or W&B directory', () => {
    for (const file of filesUnder(scratch.workDir)) {
      assert.equal(fs.readFileSync(file, 'utf8').includes(scratch.server.apiKey), false, `${file} contains the W&B key`);
    }
  });

  it('without a key names WANDB_API_KEY and --no_wandb, and exits with the bad-input code', async () => {
    const failed = await run(process.execPath, [cli, 'demo', '--task', 'char_codes', '--simulate', '--wandb', '--task_dir', path.join(scratch.workDir, 'nokey')], {
      env: { ...process.env, WANDB_API_KEY: '', WANDB_MODE: 'online' },
    }).then(
      () => assert.fail('the run should fail without a W&B key'),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(failed.code, 2);
    assert.match(failed.stdout + failed.stderr, /WANDB_API_KEY/);
    assert.match(failed.stdout + failed.stderr, /--no_wandb/);
  });
});
