import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, describeResult, repoRoot, runCli } from '../../support/cli/cliProcess';

describe('gpt-batch --version and gpt-batch list (built CLI)', function () {
  this.timeout(120_000);
  let workDir = '';

  before(() => {
    buildCli();
  });
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-list-'));
  });
  afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli(['--version']);
    assert.equal(result.code, 0, describeResult(result));
    assert.equal(result.stdout.trim(), version);
  });

  it('lists each task with its kind and whether it is not started, has work or is complete', async () => {
    fs.writeFileSync(path.join(workDir, 'greetings.jsonl'), '{"id":"a","name":"Ana"}\n{"id":"b","name":"Bo"}\n');
    const greet = { input: 'greetings.jsonl', key: 'id', messages: [{ role: 'user', content: 'Greet {{name}}' }], request: { model: 'gpt-4o-mini', max_completion_tokens: 20 } };
    const tasks = { greet, later: { ...greet, output: 'later.jsonl' }, chars: { task: 'demo:char_codes' } };
    fs.writeFileSync(path.join(workDir, 'gpt-batch.json'), JSON.stringify({ tasks }));
    const list = async () => {
      const result = await runCli(['list'], { cwd: workDir });
      assert.equal(result.code, 0, describeResult(result));
      return result.stdout.split('\n').filter((line) => line !== '').map((line) => line.split(/ {2,}/));
    };
    assert.deepEqual(await list(), [
      ['greet', 'template', 'not started'],
      ['later', 'template', 'not started'],
      ['chars', 'demo', 'not started'],
    ]);
    const run = await runCli(['run', '--task', 'greet', '--simulate'], { cwd: workDir });
    assert.equal(run.code, 0, describeResult(run));
    const limited = await runCli(['run', '--task', 'later', '--simulate', '--max_session_requests', '0'], { cwd: workDir });
    assert.equal(limited.code, 0, describeResult(limited));
    assert.deepEqual(await list(), [
      ['greet', 'template', 'complete'],
      ['later', 'template', 'has work'],
      ['chars', 'demo', 'not started'],
    ]);
  });

  it('exits 2 naming the task file when it is missing', async () => {
    const result = await runCli(['list', '--config', path.join(workDir, 'none.json')]);
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /Cannot read the task file .*none\.json/);
  });
});
