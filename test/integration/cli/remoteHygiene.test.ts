import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { startSimulator, type Simulator } from '../../../src/sim/simulator';
import { startChild } from '../../support/store/child';
import { buildCli, CliChild, cliEnv, describeResult, modelArgs, runCli } from '../../support/cli/cliProcess';

describe('gpt-batch remote list and clean (built CLI, simulator over HTTP)', function () {
  this.timeout(300_000);
  let workDir = '';
  let sim: Simulator | undefined;
  let killAtBatchCreation: CliChild | undefined;

  before(() => {
    buildCli();
  });
  beforeEach(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-remote-'));
    sim = await startSimulator({
      // Long enough for the orphan to be still running when it is cleaned.
      batchSeconds: 15,
      // The run is killed when its batch creation reaches the provider: the batch is created, the run never records it.
      onApiRequest: async (route) => {
        const child = killAtBatchCreation;
        if (route !== 'POST /v1/batches' || child === undefined) return;
        killAtBatchCreation = undefined;
        child.process.kill('SIGKILL');
        await child.exited;
      },
    });
  });
  afterEach(async () => {
    await sim?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('lists the orphan batch and upload of a run killed while pushing, cleans them after --yes, and the next run pushes again', async () => {
    const simulator = sim as Simulator;
    const client = new OpenAI({ apiKey: 'sim', baseURL: simulator.baseUrl });
    const foreignFile = await client.files.create({ file: await toFile(Buffer.from(''), 'someone-else.jsonl'), purpose: 'batch' });
    const taskDir = path.join(workDir, 'task');
    const clientArgs = ['--client_base_url', simulator.baseUrl, '--openai_api_key', 'sim', '--no_wandb'];
    const taskArgs = ['--task', 'char_codes', '--task_dir', taskDir];
    const runArgs = ['demo', ...taskArgs, ...clientArgs, ...modelArgs, '--max_batch_requests', '400', '--remote_update_interval', '1'];

    const killed = new CliChild(runArgs);
    killAtBatchCreation = killed;
    const end = await killed.exited;
    assert.equal(end.signal, 'SIGKILL', describeResult(end));

    const list = await runCli(['remote', 'list', ...taskArgs, ...clientArgs, ...modelArgs]);
    assert.equal(list.code, 0, describeResult(list));
    assert.match(list.stdout, /batch_\S+ +(validating|in_progress)[^\n]*\[this task: orphan: pushed for batch 1 by a run that stopped before recording it\]/);
    assert.match(list.stdout, /file-\S+ +char_codes_batch1_[0-9a-f]+_task-[^\n]*\[this task: orphan \(batch 1\): no batch awaiting processing uses it\]/);
    assert.match(list.stdout, new RegExp(`${foreignFile.id} +someone-else\\.jsonl[^\\n]*\\[unknown \\(not made by GPT Batch\\)\\]`));
    assert.match(list.stdout, /This task has 1 unfinished orphan batch\(es\) and 1 orphan file\(s\)/);

    const unconfirmed = await runCli(['remote', 'clean', ...taskArgs, ...clientArgs, ...modelArgs]);
    assert.equal(unconfirmed.code, 2, describeResult(unconfirmed));
    assert.match(unconfirmed.stderr, /standard input is no terminal: pass --yes/);
    const orphan = (await client.batches.list()).data.find((b) => b.metadata?.task_name === 'char_codes');
    assert.ok(orphan !== undefined && orphan.status !== 'cancelling' && orphan.status !== 'cancelled', 'nothing was cancelled without confirmation');

    const cleaned = await runCli(['remote', 'clean', '--yes', ...taskArgs, ...clientArgs, ...modelArgs]);
    assert.equal(cleaned.code, 0, describeResult(cleaned));
    assert.match(cleaned.stdout, new RegExp(`Cancelled batch ${orphan.id}: done`));
    assert.match(cleaned.stdout, /Deleted file file-\S+: done/);
    const after = await client.batches.retrieve(orphan.id);
    assert.ok(after.status === 'cancelling' || after.status === 'cancelled', `the orphan batch is ${after.status}`);
    const remaining = (await client.files.list({ purpose: 'batch' })).data.map((f) => f.id);
    assert.deepEqual(remaining, [foreignFile.id], 'only the unknown upload is left');

    const next = await runCli(runArgs);
    assert.equal(next.code, 0, describeResult(next));
    assert.doesNotMatch(next.stdout, /Recovered batch 1/);
    // The cancelled orphan's error file (its unfinished requests) appeared once the cancellation ended: one more clean.
    const again = await runCli(['remote', 'clean', '--yes', ...taskArgs, ...clientArgs, ...modelArgs]);
    assert.equal(again.code, 0, describeResult(again));
    assert.doesNotMatch(again.stdout, /Cancelled batch/);
    const finalList = await runCli(['remote', 'list', ...taskArgs, ...clientArgs, ...modelArgs]);
    assert.match(finalList.stdout, /This task has no orphans on the remote\./, describeResult(finalList));
  });

  it('refuses to clean while a run holds the task lock, naming the holder', async () => {
    const taskDir = path.join(workDir, 'task');
    fs.mkdirSync(taskDir);
    const holder = startChild(path.join(__dirname, '../../support/store/lockHolderChild.ts'), [taskDir, 'char_codes']);
    try {
      await holder.waitForLine(/^locked$/);
      const result = await runCli(['remote', 'clean', '--yes', '--task', 'char_codes', '--task_dir', taskDir, '--client_base_url', (sim as Simulator).baseUrl, '--openai_api_key', 'sim']);
      assert.equal(result.code, 3, describeResult(result));
      assert.match(result.stderr, /locked by pid \d+/);
    } finally {
      holder.process.kill('SIGKILL');
      await holder.exited;
    }
  });

  it('says that the API key is needed when it is missing', async () => {
    const taskDir = path.join(workDir, 'task');
    const result = await runCli(['remote', 'list', '--task', 'char_codes', '--task_dir', taskDir], { env: cliEnv() });
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /needs its API key: set OPENAI_API_KEY or pass --openai_api_key/);
  });
});
