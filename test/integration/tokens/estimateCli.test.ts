import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');

function runCli(args: string[], cwd = root) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('gpt-batch estimate (built CLI)', function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', timeout: 150_000 });
    assert.equal(build.status, 0, build.stderr);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-estimate-'));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('estimates valid lines and reports invalid ones by line number (--json, exit 2)', () => {
    const file = path.join(dir, 'requests.jsonl');
    const lines = [
      { custom_id: 'r1', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }], max_completion_tokens: 200 } },
      { model: 'o1-mini', messages: [{ role: 'user', content: 'Hello' }], max_completion_tokens: 5 },
    ].map((line) => JSON.stringify(line));
    fs.writeFileSync(file, [...lines, '{"model": "gpt-4o", "messages": [', '', JSON.stringify({ hello: 'world' })].join('\n'));
    const result = runCli(['estimate', file, '--json', '--assumed_completion_ratio', '0.35', '--cost_input_batch_mtoken', '1', '--cost_output_batch_mtoken', '2']);
    assert.equal(result.code, 2, result.stderr);
    const report = JSON.parse(result.stdout);
    const { cost_batch: costBatch, cost_direct: costDirect, ...counts } = report.lines[0];
    assert.deepEqual(counts, { line: 1, custom_id: 'r1', model: 'gpt-4o', input_tokens: 8, assumed_output_tokens: 70 });
    assert.ok(Math.abs(costBatch - (8 * 1 + 70 * 2) / 1e6) < 1e-12, `cost_batch ${costBatch}`);
    assert.ok(Math.abs(costDirect - (8 * 2.5 + 70 * 10) / 1e6) < 1e-12, `cost_direct ${costDirect}`);
    assert.equal(report.lines[1].input_tokens, 9, 'o1-mini counts like E4');
    assert.equal(report.lines[1].assumed_output_tokens, 2, '5 × 0.35 = 1.75 → 2');
    assert.equal(report.lines[2].line, 3);
    assert.match(report.lines[2].error, /line 3: not valid JSON/);
    assert.equal(report.lines[3].line, 5);
    assert.match(report.lines[3].error, /line 5: not a request/);
    assert.deepEqual(
      { input: report.total.input_tokens, output: report.total.assumed_output_tokens, lines: report.total.lines, errors: report.total.errors },
      { input: 17, output: 72, lines: 4, errors: 2 },
    );
  });

  it('prints a table and exits 0 when every line is estimated', () => {
    const file = path.join(dir, 'ok.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ model: 'text-embedding-3-small', input: 'hello world' })}\n`);
    const result = runCli(['estimate', file, '--endpoint', '/v1/embeddings']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /text-embedding-3-small\s+2\s+0/);
    assert.match(result.stdout, /^total/m);
  });

  it('a missing file exits 2 with a message naming it', () => {
    const missing = path.join(dir, 'missing.jsonl');
    const result = runCli(['estimate', missing]);
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(missing), result.stderr);
  });

  it("finds tiktoken's WASM and encoder files next to dist/cli.js, wherever it is started from", () => {
    assert.ok(fs.existsSync(path.join(root, 'dist', 'tiktoken_bg.wasm')));
    // A copy of the bundle outside the project: only the files next to it can be found (no node_modules above).
    const copy = path.join(dir, 'bundle');
    fs.mkdirSync(copy);
    fs.copyFileSync(cli, path.join(copy, 'cli.js'));
    fs.copyFileSync(path.join(root, 'dist', 'tiktoken_bg.wasm'), path.join(copy, 'tiktoken_bg.wasm'));
    fs.cpSync(path.join(root, 'dist', 'tiktoken-encoders'), path.join(copy, 'tiktoken-encoders'), { recursive: true });
    const file = path.join(dir, 'one.jsonl');
    fs.writeFileSync(file, `${JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] })}\n`);
    const result = spawnSync(process.execPath, [path.join(copy, 'cli.js'), 'estimate', file, '--json'], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).total.input_tokens, 8);
    const cjk = path.join(dir, 'cjk.jsonl');
    fs.writeFileSync(cjk, `${JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: '東京タワー' }] })}\n`);
    const estimate = (input: string) => spawnSync(process.execPath, [path.join(copy, 'cli.js'), 'estimate', input, '--json'], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 60_000 });
    assert.equal(estimate(cjk).status, 0, estimate(cjk).stderr);
    fs.rmSync(path.join(copy, 'tiktoken_bg.wasm'));
    assert.equal(JSON.parse(estimate(file).stdout).total.input_tokens, 8, 'ASCII text is counted without the WASM');
    assert.notEqual(estimate(cjk).status, 0, 'without the copied WASM the bundle cannot count text beyond U+0800');
    fs.rmSync(path.join(copy, 'tiktoken-encoders'), { recursive: true });
    const withoutEncoders = estimate(file);
    assert.notEqual(withoutEncoders.status, 0);
    assert.match(withoutEncoders.stderr, /tiktoken-encoders[\\/]o200k_base\.json/, 'the error names the missing file');
  });
});
