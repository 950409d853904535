import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Channel } from '../../../src/protocol/channel';

const workerBundle = path.resolve(__dirname, '../../../dist/worker.js');

describe('token counting in the built worker bundle', function () {
  this.timeout(60_000);
  let dir: string;
  let worker: Worker;

  before(function () {
    if (!fs.existsSync(workerBundle)) throw new Error(`${workerBundle} is missing: run npm run build first`);
    assert.ok(fs.existsSync(path.join(path.dirname(workerBundle), 'tiktoken_bg.wasm')), 'tiktoken_bg.wasm is not next to the bundles');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-bundle-'));
    worker = new Worker(workerBundle);
  });
  after(async () => {
    await worker.terminate();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('estimates the tokens of previewed requests (the WASM tokenizer loads from dist/)', async () => {
    const file = path.join(dir, 'gpt-batch.json');
    const task = { task: 'demo:char_codes', model: 'gpt-4o-mini-2024-07-18', client_base_url: 'http://127.0.0.1:9/v1', wandb: false };
    fs.writeFileSync(file, JSON.stringify({ tasks: { cc: task } }));
    const channel = new Channel(worker, { onError: (error) => assert.fail(error) });
    const result = await channel.request('task/run', { file, task: 'cc', mode: 'previewRequests', count: 2 }, { timeoutMs: 50_000 });
    assert.equal(result.exchanges.length, 2);
    const batchLine = result.lines.find((line) => /Created direct batch \d+ = .* with 2 requests, \d+ tokens/.test(line));
    assert.ok(batchLine, `no direct batch line in:\n${result.lines.join('\n')}`);
    const tokens = Number(/with 2 requests, (\d+) tokens/.exec(batchLine)?.[1]);
    // Two short chat requests with the UnicodeCharacterInfo schema: each costs well over 100 estimated tokens.
    assert.ok(tokens > 200 && tokens < 2000, `estimated ${tokens} tokens for two requests`);
    channel.close();
  });
});
