import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');

function runCli(args: string[]) {
  const result = spawnSync(process.execPath, [cli, 'estimate', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const chat = (model: string, content = 'Hello', extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: 'user', content }], ...extra });

describe('gpt-batch estimate outputs (built CLI)', function () {
  this.timeout(180_000);
  let dir: string;
  const file = (name: string, lines: string[]): string => {
    const target = path.join(dir, name);
    fs.writeFileSync(target, `${lines.join('\n')}\n`);
    return target;
  };

  before(() => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', timeout: 150_000 });
    assert.equal(build.status, 0, build.stderr);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-estimate-outputs-'));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prices gpt-4o-mini and its dated snapshot at their published prices, without a warning', () => {
    // 8 input and 100 assumed output tokens: batch 8 × 0.075 + 100 × 0.30, direct 8 × 0.15 + 100 × 0.60 per million.
    const requests = file('mini.jsonl', [chat('gpt-4o-mini', 'Hello', { max_completion_tokens: 200 }), chat('gpt-4o-mini-2024-07-18', 'Hello', { max_completion_tokens: 200 })]);
    const result = runCli([requests, '--jsonl']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const [first, second] = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    for (const line of [first, second]) {
      assert.equal(line.input_tokens, 8);
      assert.equal(line.cost_batch, 0.0000306);
      assert.equal(line.cost_direct, 0.0000612);
    }
  });

  it('rounds every cost in JSON to 8 decimals', () => {
    // Unrounded, costs such as 0.00028000000000000003 would appear.
    const requests = file('rounding.jsonl', Array.from({ length: 7 }, (_, i) => chat('gpt-4o', 'word '.repeat(100 + i), { max_completion_tokens: 3 })));
    const result = runCli([requests, '--json', '--cost_output_direct_mtoken', '0.1', '--cost_output_batch_mtoken', '0.1']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    const costs = [...report.lines, report.total, ...Object.values(report.models)].flatMap((entry: { cost_batch: number; cost_direct: number }) => [entry.cost_batch, entry.cost_direct]);
    assert.equal(costs.length, 7 * 2 + 2 + 2);
    assert.ok(costs.every((cost) => cost === Math.round(cost * 1e8) / 1e8));
    assert.ok(!result.stdout.includes('0000000000'), 'no float noise');
  });

  it('--summary prints only the totals per model and overall, with failed lines', () => {
    const requests = file('summary.jsonl', [chat('gpt-4o'), chat('gpt-4o'), chat('gpt-4.1-mini'), '{"model": "gpt-4o", "messages": [', chat('gpt-4o', 'Hello', { max_tokens: 'many' })]);
    const text = runCli([requests, '--summary']);
    assert.equal(text.code, 2, 'a failed line still exits 2');
    assert.doesNotMatch(text.stdout, /custom_id/, 'no per-line rows');
    assert.match(text.stdout, /^gpt-4o +3 +16 +2048 /m);
    assert.match(text.stdout, /^gpt-4\.1-mini +1 +8 +1024 /m);
    assert.match(text.stdout, /^total +5 +24 +3072 +\S+ +\S+ +2$/m);
    assert.match(text.stdout, /line 4: not valid JSON/);
    const json = JSON.parse(runCli([requests, '--summary', '--json']).stdout);
    // gpt-4o: 16 × 1.25 + 2048 × 5; gpt-4.1-mini: 8 × 0.2 + 1024 × 0.8 (batch, per million; direct is twice that).
    assert.deepEqual(json.total, { input_tokens: 24, assumed_output_tokens: 3072, cost_batch: 0.0110808, cost_direct: 0.0221616, lines: 5, errors: 2 });
    assert.deepEqual(json.models['gpt-4.1-mini'], { input_tokens: 8, assumed_output_tokens: 1024, cost_batch: 0.0008208, cost_direct: 0.0016416, lines: 1, errors: 0, prices_guessed: false });
    assert.equal(json.models['gpt-4o'].errors, 1);
  });

  it('exits 2 with the first error when no line at all can be estimated', () => {
    const requests = file('none.jsonl', ['not json', JSON.stringify({ hello: 'world' })]);
    const result = runCli([requests, '--summary']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no line could be estimated \(2 line\(s\) failed\); the first error: line 1: not valid JSON/);
    const empty = runCli([file('empty.jsonl', ['', '  '])]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no line could be estimated: .*empty\.jsonl has no requests/);
  });

  it('warns once per model that it guesses the prices of a model not in the price table', () => {
    const requests = file('guess.jsonl', [chat('my-model'), chat('my-model'), chat('other-model'), chat('gpt-4o')]);
    const result = runCli([requests, '--token_estimator_warn', 'never']);
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.stderr.trim().split('\n');
    assert.equal(warnings.length, 2, result.stderr);
    assert.match(warnings[0] as string, /No known prices for model 'my-model': guessing gpt-4o's: input 2\.5 direct, 1\.25 batch; output 10 direct, 5 batch/);
    assert.match(warnings[1] as string, /'other-model'/);
    assert.match(result.stdout, /^my-model \* +2 /m);
    const priced = runCli([requests, '--token_estimator_warn', 'never', ...['input_direct', 'input_cached', 'input_batch', 'output_direct', 'output_batch'].flatMap((name) => [`--cost_${name}_mtoken`, '1'])]);
    assert.equal(priced.stderr, '', 'prices set on the command line for every model guess nothing');
  });

  it('prints no progress when stderr is not a terminal', () => {
    const requests = file('quiet.jsonl', Array.from({ length: 2000 }, () => chat('gpt-4o')));
    const result = runCli([requests, '--summary']);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
  });
});
