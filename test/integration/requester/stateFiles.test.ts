import assert from 'node:assert/strict';
import fs from 'node:fs';
import { schemaVersion } from '../../../src/engine/db/schema';
import { TaskDb } from '../../../src/engine/db/taskDb';
import { CorruptedStateError, InterruptedError, InvalidInputError } from '../../../src/shared/errors';
import { processBatches } from '../../../src/engine/requester/processing';
import { waitForBatches } from '../../../src/engine/requester/polling';
import { pushBatches } from '../../../src/engine/requester/pushing';
import { addAndCommit, chatRequest, pushAllBatches, recordingHandler, RequesterHarness } from '../../support/engine/requesterHarness';

const tempFiles = (names: string[]) => names.filter((name) => /\.tmp\./.test(name));

describe('requester files (engine.md §12 scenarios 1–5, 9, 39, 40)', function () {
  this.timeout(60_000);
  let h: RequesterHarness;
  beforeEach(async () => {
    h = await RequesterHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('1: a fresh directory gets a version 1 state with zero counters and an empty queue; reopening changes nothing', async () => {
    await h.open();
    const state = h.state();
    assert.equal(state.version, 1);
    assert.equal(state.endpoint, '/v1/chat/completions');
    assert.equal(state.max_request_id, 0);
    assert.equal(state.max_batch_id, 0);
    assert.equal(state.max_direct_batch_id, 0);
    assert.deepEqual(state.batches, []);
    assert.deepEqual(h.queuedIds(), []);
    const before = h.snapshot();
    await h.open();
    assert.deepEqual(h.snapshot(), before);
  });

  it('2: a state made for another endpoint refuses to open and writes nothing', async () => {
    await h.open();
    const before = h.snapshot();
    await assert.rejects(h.open({ options: { endpoint: '/v1/embeddings' } }), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /\/v1\/chat\/completions/);
      assert.match(error.message, /\/v1\/embeddings/);
      return true;
    });
    assert.deepEqual(h.snapshot(), before);
  });

  it('3: committing 3 requests gives IDs 1–3, three queued requests in order with their meta, and max_request_id 3', async () => {
    const { requester } = await h.open();
    const ids = ['a', 'b', 'c'].map((name) => requester.addRequest(chatRequest(name)).id);
    await requester.commitRequests();
    assert.deepEqual(ids, [1, 2, 3]);
    assert.deepEqual(h.queuedIds(), [1, 2, 3]);
    assert.equal(h.state().max_request_id, 3);
    const reopened = await h.open();
    assert.deepEqual([...reopened.requester.queue.iterate()].map((q) => [q.id, q.meta]), [[1, { name: 'a' }], [2, { name: 'b' }], [3, { name: 'c' }]]);
  });

  it('4: a commit whose callback throws leaves the files byte-identical, restores the pool and the counter, and leaves no temp files', async () => {
    const { requester } = await h.open();
    await addAndCommit(requester, 1, 'first');
    const before = h.snapshot();
    requester.addRequest(chatRequest('x'));
    requester.addRequest(chatRequest('y'));
    await assert.rejects(
      requester.commitRequests(async () => {
        throw new Error('task failed to record the samples');
      }),
      /task failed to record the samples/,
    );
    assert.deepEqual(h.snapshot(), before);
    assert.deepEqual(requester.pool.map((q) => q.id), [2, 3]);
    assert.deepEqual([...requester.queue.iterate()].map((q) => q.id), [1]);
    assert.equal(requester.state.max_request_id, 1);
    assert.deepEqual(tempFiles(h.names()), []);
    await requester.commitRequests();
    assert.deepEqual([...requester.queue.iterate()].map((q) => q.id), [1, 2, 3]);
  });

  it('5: requests added but not committed are reported on close and their IDs are reused next session', async () => {
    const first = await h.open();
    first.requester.addRequest(chatRequest('lost1'));
    first.requester.addRequest(chatRequest('lost2'));
    first.requester.close();
    assert.match(h.logger.text(), /Exiting GPT requester with 2 uncommitted requests in the request pool/);
    const second = await h.open();
    assert.equal(second.requester.addRequest(chatRequest('again')).id, 1);
  });

  it('9: batch lines are {custom_id, method, url, body} in that order, the stored size is the file size, and the name is timestamped', async () => {
    const { requester } = await h.open();
    await addAndCommit(requester, 3);
    await requester.batchRequests(true);
    const batch = h.state().batches[0];
    assert.ok(batch);
    assert.match(batch.local_jsonl, /\/P_batch1_\d{8}_\d{6}_\d{6}\.jsonl$/);
    assert.equal(fs.statSync(batch.local_jsonl).size, batch.local_jsonl_size);
    const lines = fs.readFileSync(batch.local_jsonl, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    lines.forEach((line, index) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), ['custom_id', 'method', 'url', 'body']);
      assert.equal(parsed.custom_id, `id-${index + 1}`);
      assert.equal(parsed.method, 'POST');
      assert.equal(parsed.url, '/v1/chat/completions');
      assert.deepEqual(parsed.body, chatRequest(`r${index}`).payload);
    });
    // Our layout: meta, retry numbers and estimates are the requests' rows in the task database.
    const infos = await requester.records.loadBatchRequests(batch, '/v1/chat/completions');
    assert.deepEqual(infos.map((i) => [i.id, i.info.meta, i.info.retry_num]), [[1, { name: 'r0' }, 0], [2, { name: 'r1' }, 0], [3, { name: 'r2' }, 0]]);
    assert.deepEqual(h.queuedIds(), []);
  });

  it('39: an interrupt during a commit is delivered after the unit; the files are consistent and the next session resumes', async () => {
    const { requester, gate } = await h.open();
    requester.addRequest(chatRequest('a'));
    requester.addRequest(chatRequest('b'));
    let callbackFinished = false;
    await assert.rejects(
      requester.commitRequests(async () => {
        gate.request('SIGINT');
        await new Promise((resolve) => setImmediate(resolve));
        callbackFinished = true;
      }),
      (error: unknown) => error instanceof InterruptedError,
    );
    assert.ok(callbackFinished);
    const next = await h.open();
    assert.deepEqual([...next.requester.queue.iterate()].map((q) => q.meta), [{ name: 'a' }, { name: 'b' }]);
    assert.equal(next.requester.state.max_request_id, 2);
  });

  it('40: a batch input file that disagrees with the task database is refused when the batch is read, naming the file', async () => {
    const { requester } = await h.open();
    await addAndCommit(requester, 3);
    await requester.batchRequests(true);
    const batch = h.state().batches[0];
    assert.ok(batch);
    const lines = fs.readFileSync(batch.local_jsonl, 'utf8').split('\n');
    fs.writeFileSync(batch.local_jsonl, `${lines.slice(0, 2).join('\n')}\n`);
    const reopened = await h.open();
    await assert.rejects(reopened.requester.loadBatchCachedRequests(batch), (error: unknown) => {
      assert.ok(error instanceof CorruptedStateError);
      assert.ok(error.message.includes(batch.local_jsonl));
      assert.match(error.message, /holds 2 requests and the task database 3/);
      return true;
    });
  });

  for (const [what, damage] of [
    ['truncated', (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2))],
    ['garbage', (file: string) => fs.writeFileSync(file, 'this is not a database '.repeat(400))],
  ] as const) {
    it(`a ${what} task.db is a corrupted-state error that names it and writes nothing`, async () => {
      const { requester } = await h.open();
      await addAndCommit(requester, 50);
      await requester.batchRequests(true);
      requester.close();
      await h.closeDatabases();
      const file = h.file('task.db');
      damage(file);
      const bytes = fs.readFileSync(file);
      await assert.rejects(h.open(), (error: unknown) => {
        assert.ok(error instanceof CorruptedStateError, String(error));
        assert.equal(error.file, file);
        assert.ok(error.message.includes(file));
        return true;
      });
      assert.deepEqual(fs.readFileSync(file), bytes);
    });
  }

  it('a task.db written by a newer version is refused, naming the file and the versions', async () => {
    await h.open();
    await h.closeDatabases();
    const db = TaskDb.openForWriting(h.file('task.db'));
    db.run('UPDATE schema_version SET version = 99');
    db.close();
    await assert.rejects(h.open(), (error: unknown) => error instanceof CorruptedStateError && error.message.includes(h.file('task.db')) && /newer version .*schema 99/.test(error.message));
  });

  it('a task.db of schema 2 (before learned queue limits) is migrated on open, keeping its queue', async () => {
    const { requester } = await h.open();
    await addAndCommit(requester, 3);
    await h.closeDatabases();
    const db = TaskDb.openForWriting(h.file('task.db'));
    db.run('DROP TABLE queue_limits');
    db.run('DROP TABLE pilot_forecasts');
    db.exec('DROP INDEX results_cut_short; DROP INDEX results_refused; ALTER TABLE results DROP COLUMN cut_short; ALTER TABLE results DROP COLUMN refused');
    db.run('UPDATE schema_version SET version = 2');
    db.close();

    const reopened = await h.open();
    assert.equal(reopened.requester.queue.length, 3);
    assert.equal(reopened.requester.queueLimits.size, 0);
    await h.closeDatabases();
    const migrated = TaskDb.openForWriting(h.file('task.db'));
    assert.deepEqual(migrated.all('SELECT version FROM schema_version'), [{ version: schemaVersion }]);
    assert.deepEqual(migrated.all('SELECT * FROM queue_limits'), []);
    assert.deepEqual(migrated.all('SELECT * FROM pilot_forecasts'), []);
    migrated.close();
  });

  it('saving after a batch records it as processed and keeps its requests and results queryable', async () => {
    const { requester } = await h.open({ options: { max_batch_requests: 2 } });
    await addAndCommit(requester, 6);
    await requester.batchRequests(false);
    assert.equal(h.state().batches.length, 2);
    assert.deepEqual(h.queuedIds(), [5, 6]);
    const { handler } = recordingHandler();
    await pushAllBatches(requester);
    while (requester.state.batches.some((b) => b.remote !== null)) {
      await waitForBatches(requester);
      await processBatches(requester, handler);
    }
    assert.deepEqual(h.history().map((e) => e.id), [1, 2]);
    const db = TaskDb.openReadonly(h.file('task.db'));
    assert.ok(db);
    try {
      const rows = db.all<{ id: number; batch_id: number; outcome: string }>('SELECT r.id, r.batch_id, s.outcome FROM requests r JOIN results s ON s.request_id = r.id ORDER BY r.id');
      assert.deepEqual(rows.map((r) => [r.id, r.batch_id, r.outcome]), [[1, 1, 'succeeded'], [2, 1, 'succeeded'], [3, 2, 'succeeded'], [4, 2, 'succeeded']]);
    } finally {
      db.close();
    }
  });
});
