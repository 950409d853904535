import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CorruptedStateError } from '../../../src/shared/errors';
import { noopLogger } from '../../../src/engine/log';
import { readSpool, SpoolWriter, spoolFilePath } from '../../../src/engine/wandb/offlineSpool';

describe('offline spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wandb-spool-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads back what was written, in order', async () => {
    const file = spoolFilePath(dir, 'run1');
    const writer = new SpoolWriter(file, noopLogger);
    writer.append({ type: 'run', runId: 'run1', project: 'p', config: { a: 1 } });
    writer.append({ type: 'history', row: { x: 1, _step: 0 } });
    writer.append({ type: 'summary', values: { best: 2 } });
    writer.append({ type: 'console', line: 'hello' });
    writer.append({ type: 'exit', exitCode: 3 });
    assert.equal(await writer.close(5000), true);
    const { header, records } = readSpool(file);
    assert.deepEqual(header, { runId: 'run1', project: 'p', config: { a: 1 } });
    assert.deepEqual(records.map((r) => r.type), ['history', 'summary', 'console', 'exit']);
  });

  it('ignores a final line cut off by a crash', () => {
    const file = path.join(dir, 'cut.jsonl');
    fs.writeFileSync(file, '{"type":"run","runId":"r","project":"p","config":{}}\n{"type":"history","row":{"_step":0}}\n{"type":"hist');
    assert.equal(readSpool(file).records.length, 1);
  });

  it('names the file and line of a corrupted record', () => {
    const file = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(file, '{"type":"run","runId":"r","project":"p","config":{}}\nnot json\n{"type":"exit","exitCode":0}\n');
    assert.throws(() => readSpool(file), (error: unknown) => error instanceof CorruptedStateError && error.message.includes(`${file}:2`));
  });

  it('refuses a file without a run record', () => {
    const file = path.join(dir, 'other.jsonl');
    fs.writeFileSync(file, '{"type":"exit","exitCode":0}\n');
    assert.throws(() => readSpool(file), CorruptedStateError);
  });
});
