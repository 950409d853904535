import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readTaskSnapshot } from '../../../src/host/readTaskSnapshot';
import { resolveOptions } from '../../../src/shared/options';
import { wandbLinkPath } from '../../../src/host/wandbLink';
import { cli, run, useCliWandb } from '../../support/wandb/cliWandb';

describe('the W&B run link of a task (built CLI, simulator, fake W&B server)', function () {
  this.timeout(180_000);
  const scratch = useCliWandb('wandb-link');

  const demo = (taskDir: string, mode: string) =>
    run(
      process.execPath,
      [cli, 'demo', '--task', 'char_codes', '--simulate', '--max_session_requests', '20', '--task_dir', taskDir, '--wandb', '--wandb_entity', 'team', '--wandb_project', 'proj', '--wandb_run_id', 'link1', '--wandb_dir', scratch.workDir],
      { env: { ...process.env, WANDB_API_KEY: scratch.server.apiKey, WANDB_BASE_URL: scratch.server.baseUrl, WANDB_MODE: mode }, maxBuffer: 64 * 1024 * 1024 },
    );

  it('is logged when the run starts and shown with the task afterwards', async () => {
    const taskDir = path.join(scratch.workDir, 'online');
    const { stdout, stderr } = await demo(taskDir, 'online');
    const url = `${scratch.server.baseUrl}/team/proj/runs/link1`;
    assert.ok(`${stdout}${stderr}`.includes(`W&B run team/proj/link1 created: ${url}`), 'the run log names the W&B run and its link');
    const snapshot = await readTaskSnapshot({ name: 'char_codes', taskDir, prefix: 'char_codes' }, resolveOptions([]).requester);
    assert.equal(snapshot.wandbUrl, url);
  });

  it('is absent for a run that spools W&B offline, and a damaged link file only hides it', async () => {
    const taskDir = path.join(scratch.workDir, 'offline');
    await demo(taskDir, 'offline');
    const files = { name: 'char_codes', taskDir, prefix: 'char_codes' };
    assert.equal((await readTaskSnapshot(files, resolveOptions([]).requester)).wandbUrl, undefined);
    fs.writeFileSync(wandbLinkPath(taskDir, 'char_codes'), '{"url": ');
    const snapshot = await readTaskSnapshot(files, resolveOptions([]).requester);
    assert.equal(snapshot.wandbUrl, undefined);
    assert.equal(snapshot.error, undefined);
  });
});
