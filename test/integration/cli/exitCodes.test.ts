import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildCli, CliChild, cliEnv, cliPath, describeResult, modelArgs, repoRoot, runCli } from '../../support/cli/cliProcess';
import { apiCallCount, SimChild } from '../../support/cli/simChild';
import { tamperTaskDb } from '../../support/taskManager/taskStateAt';

describe('gpt-batch demo: help, exit codes and start-up errors (built CLI)', function () {
  this.timeout(180_000);
  let workDir = '';
  let taskDir = '';

  before(() => {
    buildCli();
  });
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-exit-'));
    taskDir = path.join(workDir, 'task');
  });
  afterEach(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('--help lists the option groups with their defaults and exits 0', async () => {
    const result = await runCli(['demo', '--help']);
    assert.equal(result.code, 0, describeResult(result));
    for (const group of ['GPT requester:', 'Task manager:', 'Task metadata:', 'Program:']) assert.match(result.stdout, new RegExp(`^${group}$`, 'm'));
    assert.match(result.stdout, /^ {2}--max_batch_requests NUM\s.*\n?.*\[default: 50000\]/m);
    assert.match(result.stdout, /--remote_update_interval SEC[\s\S]*?\[default: 10\.0s\]/);
    assert.match(result.stdout, /--direct_verbose MODE[\s\S]*?\[default: never\]/);
    assert.match(result.stdout, /--max_remote_ktokens KTOK[\s\S]*?\[default: 60000 ktokens\]/);
    assert.match(result.stdout, /^ {2}--no_run\s/m);
    assert.match(result.stdout, /^ {2}--wandb, --no_wandb\s/m);
    assert.equal(fs.existsSync(taskDir), false);
  });

  for (const [what, flags, message] of [
    ['a value that is not a number', ['--max_batch_requests', 'abc'], /--max_batch_requests: expected an integer, got 'abc'/],
    ['an unknown flag', ['--max_batch_request', '5'], /unknown flag --max_batch_request; did you mean --max_batch_requests\?/],
    ['a value out of range', ['--min_pass_ratio', '2'], /--min_pass_ratio: expected a number from 0 to 1, got 2/],
    ['a value not among the choices', ['--direct_verbose', 'loud'], /--direct_verbose: expected one of never, error, warn, always/],
    ['a flag without its value', ['--max_retries'], /--max_retries needs a value/],
  ] as const) {
    it(`exits 2 for ${what}, naming the flag, before touching the task`, async () => {
      const result = await runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir, '--simulate', ...flags]);
      assert.equal(result.code, 2, describeResult(result));
      assert.match(result.stderr, message);
      assert.equal(fs.existsSync(taskDir), false, 'the task directory was created');
    });
  }

  it('exits 2 for an unknown demo task', async () => {
    const result = await runCli(['demo', '--task', 'nope', '--task_dir', taskDir, '--simulate']);
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /--task must name a demo: char_codes or utterance_emotion \(unrecognised task 'nope'\)/);
  });

  it('without an API key and without --simulate, says how to provide one and exits 2 before touching the task', async () => {
    const result = await runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir], { env: cliEnv() });
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /No OpenAI API key: set OPENAI_API_KEY or pass --openai_api_key, or add --simulate/);
    assert.equal(fs.existsSync(taskDir), false, 'the task directory was created');
  });

  it('names the base URL and the network error when the API cannot be reached', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    const result = await runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir, '--client_base_url', baseUrl, '--openai_api_key', 'sk-test', '--no_wandb', ...modelArgs, '--max_batch_requests', '300']);
    assert.equal(result.code, 4, describeResult(result));
    assert.match(result.stderr, new RegExp(`Connection error\\. Connecting to the API at ${baseUrl.replace(/\./g, '\\.')} failed \\(.*ECONNREFUSED.*\\); check the network connection and client_base_url`));
  });

  it('exits 2 naming a task directory it cannot write and the way out', async () => {
    fs.mkdirSync(taskDir);
    fs.chmodSync(taskDir, 0o555);
    fs.chmodSync(workDir, 0o755);
    const args = [cliPath, 'demo', '--task', 'char_codes', '--simulate', '--task_dir', taskDir];
    // Root writes into a mode 555 directory anyway, so as root the CLI runs as nobody, whom the mode does stop.
    const asRoot = process.getuid?.() === 0;
    const child = spawnSync(asRoot ? 'setpriv' : process.execPath, asRoot ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, ...args] : args, {
      cwd: repoRoot,
      env: cliEnv(),
      encoding: 'utf8',
    });
    const result = { code: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr };
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, new RegExp(`Cannot write to the task directory ${taskDir} \\(EACCES\\): make it writable, or choose another directory with --task_dir`));
    assert.deepEqual(fs.readdirSync(taskDir), []);
  });

  describe('against a simulator', () => {
    let sim: SimChild | undefined;
    afterEach(async () => {
      await sim?.stop();
      sim = undefined;
    });

    it('exits 3 when another run holds the task (--lock_timeout 0), and the holder is unaffected', async () => {
      sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.3']);
      const args = ['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs];
      const holder = new CliChild(args);
      try {
        await holder.waitFor(/Successfully acquired lock/);
        const second = await runCli([...args, '--lock_timeout', '0']);
        assert.equal(second.code, 3, describeResult(second));
        assert.match(second.stdout, /Failed to acquire lock in 0s: .*char_codes\.lock/);
        holder.process.kill('SIGINT');
        const first = await holder.exited;
        assert.equal(first.code, 0, describeResult(first));
      } finally {
        holder.killIfRunning();
      }
    });

    it('exits 4 after fatal request errors, naming the flags that go on, and going on with them finishes the task', async () => {
      sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.1', '--line_error_rate', '1', '--line_error_status', '400']);
      const args = ['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs, '--max_batch_requests', '300'];
      const result = await runCli(args);
      assert.equal(result.code, 4, describeResult(result));
      assert.match(result.stderr, /Request got fatal error/);
      assert.match(result.stderr, /run again with --process_failed_batches -1 to process them anyway, and with --retry_fatal_requests to retry/);
      const goingOn = await runCli([...args, '--process_failed_batches', '-1']);
      assert.equal(goingOn.code, 0, describeResult(goingOn));
    });

    for (const [what, damage, expected] of [
      ['truncated', (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 3)), /is not a readable task database|is damaged/],
      ['garbage', (file: string) => fs.writeFileSync(file, 'not a database '.repeat(1000)), /is not a readable task database/],
      ['newer', (file: string) => tamperTaskDb(path.dirname(file), 'UPDATE schema_version SET version = 99'), /written by a newer version of GPT Batch/],
    ] as const) {
      it(`exits 4 for a ${what} task.db, naming it, in a run and in status, and leaves it as it was`, async () => {
        sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.1']);
        const dir = path.join(workDir, `damaged-${what}`);
        const args = ['demo', '--task', 'char_codes', '--task_dir', dir, ...sim.clientArgs, ...modelArgs, '--max_session_requests', '0'];
        const first = await runCli(args);
        assert.equal(first.code, 0, describeResult(first));
        const file = path.join(dir, 'task.db');
        damage(file);
        const bytes = fs.readFileSync(file);
        for (const run of [args, ['status', '--task', 'char_codes', '--task_dir', dir, ...modelArgs]]) {
          const result = await runCli(run);
          assert.equal(result.code, 4, describeResult(result));
          assert.ok(result.stderr.includes(file), describeResult(result));
          assert.match(result.stderr, expected);
        }
        assert.deepEqual(fs.readFileSync(file), bytes);
      });
    }

    it('exits 4 when a batch fails, leaving it unprocessed, and names the failure', async () => {
      sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.3', '--fail_batch_rate', '1']);
      const result = await runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs, '--max_batch_requests', '300']);
      assert.equal(result.code, 4, describeResult(result));
      assert.match(result.stderr, /Batch status is 'failed'/);
      assert.match(result.stdout, /Aborting processing of finished batch 1 .* \(leaving batch as it was\)/);

      await sim.resetStats();
      const status = await runCli(['demo', '--task', 'char_codes', '--task_dir', taskDir, ...sim.clientArgs, ...modelArgs, '--no_run']);
      assert.equal(status.code, 0, describeResult(status));
      // While the model's queue limit is unknown, a batch is pushed only once the previous one passed validation: the
      // first one failed it, so the run stopped with it on the remote and the other three never pushed.
      const remote = /There are (\d+) unfinished and (\d+) finished REMOTE batches/.exec(status.stdout);
      assert.ok(remote, describeResult(status));
      assert.deepEqual([Number(remote[1]), Number(remote[2])], [0, 1], 'the failed batch stays on the remote, finished and not processed');
      assert.match(status.stdout, /There are 3 unpushed LOCAL batches/);
      assert.match(status.stdout, /and 0 succeeded \+ 0 failed/);
      assert.ok(apiCallCount(await sim.stats()) <= 4, 'the status run did more than poll the remote batches');
    });
  });
});
