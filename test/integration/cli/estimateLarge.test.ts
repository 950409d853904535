import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { writeChatRequests } from '../../support/cli/estimateRequests';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist', 'cli.js');

function summaryOf(file: string): { total: Record<string, number>; models: Record<string, Record<string, number>> } {
  const result = spawnSync(process.execPath, [cli, 'estimate', file, '--summary', '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** Runs the CLI and looks at its output a line at a time, never holding all of it. */
function streamCli(args: string[], onLine: (line: string) => void): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    createInterface({ input: child.stdout }).on('line', onLine);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

// One block of the generated file repeats exactly (see writeChatRequests), so 1,000,000 lines are 3,436 blocks of
// 291 lines plus the first 124 lines of the next block.
describe('gpt-batch estimate on a million lines (built CLI)', function () {
  this.timeout(600_000);
  const block = 3 * 97;
  const count = 1_000_000;
  let dir: string;
  let big: string;
  let expected: { total: Record<string, number> };

  before(async () => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', timeout: 150_000 });
    assert.equal(build.status, 0, build.stderr);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-estimate-large-'));
    big = path.join(dir, 'million.jsonl');
    await writeChatRequests(big, count);
    const blockFile = path.join(dir, 'block.jsonl');
    const restFile = path.join(dir, 'rest.jsonl');
    await writeChatRequests(blockFile, block);
    await writeChatRequests(restFile, count % block);
    const [one, rest] = [summaryOf(blockFile).total, summaryOf(restFile).total];
    const blocks = Math.floor(count / block);
    const tokens = (key: string): number => (one[key] as number) * blocks + (rest[key] as number);
    expected = {
      total: { lines: count, errors: 0, input_tokens: tokens('input_tokens'), assumed_output_tokens: tokens('assumed_output_tokens') },
    };
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--summary: totals are the small files’ totals times the number of blocks', () => {
    const { total } = summaryOf(big);
    assert.deepEqual(
      { lines: total.lines, errors: total.errors, input_tokens: total.input_tokens, assumed_output_tokens: total.assumed_output_tokens },
      expected.total,
    );
    assert.equal(total.assumed_output_tokens, count * 50);
  });

  it('--jsonl: one object per line, then the same totals', async () => {
    let lines = 0;
    let inputTokens = 0;
    let last = '';
    const { code, stderr } = await streamCli(['estimate', big, '--jsonl'], (line) => {
      if (last !== '') {
        lines += 1;
        inputTokens += JSON.parse(last).input_tokens;
      }
      last = line;
    });
    assert.equal(code, 0, stderr);
    assert.equal(lines, count);
    assert.equal(inputTokens, expected.total.input_tokens);
    assert.deepEqual(JSON.parse(last).total.input_tokens, expected.total.input_tokens);
  });

  it('table: a row per line, then a total row with the same totals', async () => {
    let rows = 0;
    let totalRow = '';
    const { code, stderr } = await streamCli(['estimate', big], (line) => {
      if (/^ +[0-9]+ {2}gpt-/.test(line)) rows += 1;
      if (line.startsWith('total ')) totalRow = line;
    });
    assert.equal(code, 0, stderr);
    assert.equal(rows, count);
    const [, lines, input, output, , , failed] = totalRow.split(/ +/);
    assert.deepEqual([lines, input, output, failed].map(Number), [count, expected.total.input_tokens, expected.total.assumed_output_tokens, 0]);
  });
});
