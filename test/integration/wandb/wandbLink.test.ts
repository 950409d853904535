import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { readTaskSnapshot } from '../../../src/host/readTaskSnapshot';
import { wandbLinkPath } from '../../../src/host/wandbLink';
import { FakeWandb } from '../../support/wandb/fakeWandb';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '../../../dist/cli.js');

describe('the W&B run link of a task (built CLI, simulator, fake W&B server)', function () {
  this.timeout(180_000);
  let server: FakeWandb;
  let workDir: string;

  before(async function () {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
    server = await FakeWandb.start();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wandb-link-'));
  });
  after(async () => {
    await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const demo = (taskDir: string, mode: string) =>
    run(
      process.execPath,
      [cli, 'demo', '--task', 'char_codes', '--simulate', '--max_session_requests', '20', '--task_dir', taskDir, '--wandb', '--wandb_entity', 'team', '--wandb_project', 'proj', '--wandb_run_id', 'link1', '--wandb_dir', workDir],
      { env: { ...process.env, WANDB_API_KEY: server.apiKey, WANDB_BASE_URL: server.baseUrl, WANDB_MODE: mode }, maxBuffer: 64 * 1024 * 1024 },
    );

  it('is logged when the run starts and shown with the task afterwards', async () => {
    const taskDir = path.join(workDir, 'online');
    const { stdout, stderr } = await demo(taskDir, 'online');
    const url = `${server.baseUrl}/team/proj/runs/link1`;
    assert.ok(`${stdout}${stderr}`.includes(`W&B run team/proj/link1 created: ${url}`), 'the run log names the W&B run and its link');
    const snapshot = await readTaskSnapshot({ name: 'char_codes', taskDir, prefix: 'char_codes' });
    assert.equal(snapshot.wandbUrl, url);
  });

  it('is absent for a run that spools W&B offline, and a damaged link file only hides it', async () => {
    const taskDir = path.join(workDir, 'offline');
    await demo(taskDir, 'offline');
    const files = { name: 'char_codes', taskDir, prefix: 'char_codes' };
    assert.equal((await readTaskSnapshot(files)).wandbUrl, undefined);
    fs.writeFileSync(wandbLinkPath(taskDir, 'char_codes'), '{"url": ');
    const snapshot = await readTaskSnapshot(files);
    assert.equal(snapshot.wandbUrl, undefined);
    assert.equal(snapshot.error, undefined);
  });
});
