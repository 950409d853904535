import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, describeResult, modelArgs, runCli } from '../../support/cli/cliProcess';
import type { TaskSnapshot } from '../../../src/shared/taskSnapshot';

/** What `gpt-batch status --json` prints of the estimate. */
type StatusJson = Pick<TaskSnapshot, 'queuedRequests' | 'queuedEstimate' | 'estimate'>;

describe('gpt-batch status estimates the committed requests a --commit_only run left queued (built CLI)', function () {
  this.timeout(180_000);
  let workDir = '';

  before(() => {
    buildCli();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-status-estimate-'));
  });
  after(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs `args` with --commit_only; the request count and estimate it printed. */
  async function commitOnly(args: string[], cwd?: string): Promise<{ requests: number; estimate: string }> {
    const result = await runCli([...args, '--simulate', '--commit_only'], cwd === undefined ? {} : { cwd });
    assert.equal(result.code, 0, describeResult(result));
    const printed = /Whole task committed: (\d+) requests to send, estimated at (\d+\.\d{4}) in total;/.exec(result.stdout);
    assert.ok(printed, describeResult(result));
    return { requests: Number(printed[1]), estimate: printed[2] as string };
  }

  /** `gpt-batch status` of the task as text and as JSON. */
  async function status(args: string[], cwd?: string): Promise<{ text: string; json: StatusJson }> {
    const options = cwd === undefined ? {} : { cwd };
    const text = await runCli(['status', ...args], options);
    assert.equal(text.code, 0, describeResult(text));
    const json = await runCli(['status', ...args, '--json'], options);
    assert.equal(json.code, 0, describeResult(json));
    return { text: text.stdout, json: JSON.parse(json.stdout) as StatusJson };
  }

  it('at batch prices: the same estimate as the run printed, in the text and the JSON', async () => {
    const args = ['--task', 'char_codes', '--task_dir', path.join(workDir, 'batch'), ...modelArgs];
    const committed = await commitOnly(['demo', ...args]);
    const { text, json } = await status(args);
    assert.equal(json.queuedRequests, committed.requests);
    assert.equal(json.queuedEstimate.toFixed(4), committed.estimate);
    assert.deepEqual({ ...json.estimate, queue: json.estimate.queue.toFixed(4) }, { prices: 'batch', queue: committed.estimate, local: 0, remote: 0 });
    assert.match(text, new RegExp(`, ${committed.estimate} estimated for what is committed and not processed:\\n  ${committed.estimate} for the ${committed.requests} queued requests and 0\\.0000 for the 0 in local batches, at batch prices\\n`));
  });

  it('with --force_direct: at direct prices, as the run that will execute them direct printed', async () => {
    const args = ['--task', 'char_codes', '--task_dir', path.join(workDir, 'direct'), ...modelArgs, '--force_direct'];
    const committed = await commitOnly(['demo', ...args]);
    const { text, json } = await status(args);
    assert.equal(json.queuedEstimate.toFixed(4), committed.estimate);
    assert.equal(json.estimate.prices, 'direct');
    assert.match(text, new RegExp(`  ${committed.estimate} for the ${committed.requests} queued requests and 0\\.0000 for the 0 in local batches, at direct prices\\n`));
    const atBatchPrices = (await status(args.filter((arg) => arg !== '--force_direct'))).json;
    assert.ok(json.queuedEstimate > atBatchPrices.queuedEstimate, `direct ${json.queuedEstimate} against batch ${atBatchPrices.queuedEstimate}`);
  });

  it("of a template task: at its model's published prices, as the run printed", async () => {
    const dir = path.join(workDir, 'template');
    fs.mkdirSync(dir);
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, text: `row ${i} of a template task` }));
    fs.writeFileSync(path.join(dir, 'rows.jsonl'), `${rows.join('\n')}\n`);
    const task = { input: 'rows.jsonl', key: 'id', messages: [{ role: 'user', content: 'Summarise: {{text}}' }], request: { model: 'gpt-4o-mini', max_completion_tokens: 40 } };
    fs.writeFileSync(path.join(dir, 'gpt-batch.json'), JSON.stringify({ tasks: { rows: task } }));
    const committed = await commitOnly(['run', '--task', 'rows'], dir);
    assert.equal(committed.requests, 3000);
    const { json } = await status(['--task', 'rows'], dir);
    assert.equal(json.queuedEstimate.toFixed(4), committed.estimate);
    assert.ok(json.queuedEstimate > 0);
  });
});
