import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batchLine, chatBody, createBatch, readJsonl, startHarness, waitForBatch } from '../../support/sim/simHelpers';

describe('simulator restart from a state directory', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-sim-'));
  });
  afterEach(() => {
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps files and batches, and a batch created before the restart completes after it', async () => {
    const first = await startHarness({ stateDir, batchSeconds: 1.5 });
    const lines = Array.from({ length: 10 }, (_, i) => batchLine(`id-${i}`, chatBody(`question ${i}`)));
    const created = await createBatch(first.client, lines, { run: 'before-restart' });
    await first.client.files.delete(created.input_file_id);
    await first.sim.close();

    const second = await startHarness({ stateDir, batchSeconds: 1.5 });
    try {
      const resumed = await second.client.batches.retrieve(created.id);
      assert.equal(resumed.id, created.id);
      assert.deepEqual(resumed.metadata, { run: 'before-restart' });
      const batch = await waitForBatch(second.client, created.id);
      assert.equal(batch.status, 'completed');
      assert.deepEqual(batch.request_counts, { total: 10, completed: 10, failed: 0 });
      const output = await readJsonl(second.client, batch.output_file_id as string);
      assert.deepEqual(output.map((line) => line.custom_id).sort(), lines.map((_, i) => `id-${i}`).sort());
      const next = await createBatch(second.client, lines.slice(0, 1));
      assert.notEqual(next.id, created.id);
      assert.notEqual(next.input_file_id, batch.output_file_id);
    } finally {
      await second.sim.close();
    }

    const third = await startHarness({ stateDir });
    try {
      const batches = await third.client.batches.list();
      assert.equal(batches.data.length, 2);
      const done = await third.client.batches.retrieve(created.id);
      const output = await readJsonl(third.client, done.output_file_id as string);
      assert.equal(output.length, 10);
    } finally {
      await third.sim.close();
    }
  });
});
