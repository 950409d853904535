import assert from 'node:assert/strict';
import fs from 'node:fs';
import { CorruptedStateError, InterruptedError, InvalidInputError } from '../../../src/shared/errors';
import { processBatches } from '../../../src/engine/requester/processing';
import { waitForBatches } from '../../../src/engine/requester/polling';
import { pushBatches } from '../../../src/engine/requester/pushing';
import { addAndCommit, chatRequest, recordingHandler, RequesterHarness } from '../../support/engine/requesterHarness';

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
    assert.deepEqual(state.queue, { lines: 0, consumed: 0 });
    assert.equal(h.read('P_queue.jsonl'), '');
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

  it('3: committing 3 requests gives IDs 1–3, three queue lines in order with their meta, and max_request_id 3', async () => {
    const { requester } = await h.open();
    const ids = ['a', 'b', 'c'].map((name) => requester.addRequest(chatRequest(name)).id);
    await requester.commitRequests();
    assert.deepEqual(ids, [1, 2, 3]);
    const lines = h.read('P_queue.jsonl').trim().split('\n').map((line) => JSON.parse(line) as { id: number; meta: unknown });
    assert.deepEqual(lines.map((l) => [l.id, l.meta]), [[1, { name: 'a' }], [2, { name: 'b' }], [3, { name: 'c' }]]);
    const state = h.state();
    assert.equal(state.max_request_id, 3);
    // Our layout: the queue file is append-only and the state counts its lines instead of mirroring the metas.
    assert.deepEqual(state.queue, { lines: 3, consumed: 0 });
    const reopened = await h.open();
    assert.deepEqual(reopened.requester.queue.map((q) => [q.id, q.meta]), [[1, { name: 'a' }], [2, { name: 'b' }], [3, { name: 'c' }]]);
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
    assert.deepEqual(requester.queue.map((q) => q.id), [1]);
    assert.equal(requester.state.max_request_id, 1);
    assert.deepEqual(tempFiles(h.names()), []);
    await requester.commitRequests();
    assert.deepEqual(requester.queue.map((q) => q.id), [1, 2, 3]);
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
    // Our layout: meta, retry numbers and estimates sit in a `.info.jsonl` beside the provider input file.
    const infos = fs.readFileSync(batch.local_jsonl.replace(/\.jsonl$/, '.info.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: number; meta: unknown; retry_num: number });
    assert.deepEqual(infos.map((i) => [i.id, i.meta, i.retry_num]), [[1, { name: 'r0' }, 0], [2, { name: 'r1' }, 0], [3, { name: 'r2' }, 0]]);
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
    assert.deepEqual(next.requester.queue.map((q) => q.meta), [{ name: 'a' }, { name: 'b' }]);
    assert.equal(next.requester.state.max_request_id, 2);
  });

  it('40: a queue file that disagrees with the state is refused on open, and nothing is written', async () => {
    const { requester } = await h.open();
    await addAndCommit(requester, 3);
    const queue = h.read('P_queue.jsonl');
    fs.writeFileSync(h.file('P_queue.jsonl'), queue.split('\n').slice(0, 2).join('\n') + '\n');
    const before = h.snapshot();
    await assert.rejects(h.open(), (error: unknown) => error instanceof CorruptedStateError && /P_queue\.jsonl has 2 lines/.test(error.message));
    assert.deepEqual(h.snapshot(), before);
  });

  it('saving after a batch appends to the history and never rewrites it or the queue (our append-only layout)', async () => {
    const { requester } = await h.open({ options: { max_batch_requests: 2 } });
    await addAndCommit(requester, 6);
    const queueAfterCommit = h.read('P_queue.jsonl');
    await requester.batchRequests(false);
    assert.equal(h.state().batches.length, 2);
    // Forming batches only advances `queue.consumed`; the queue file keeps every byte.
    assert.equal(h.read('P_queue.jsonl'), queueAfterCommit);
    assert.deepEqual(h.state().queue, { lines: 6, consumed: 4 });
    const { handler } = recordingHandler();
    await pushBatches(requester);
    let historyBefore = '';
    while (requester.state.batches.some((b) => b.remote !== null)) {
      await waitForBatches(requester);
      await processBatches(requester, handler);
      const history = h.read('P_history.jsonl');
      assert.ok(history.startsWith(historyBefore), 'the history only grows at its end');
      historyBefore = history;
      assert.equal(h.read('P_queue.jsonl'), queueAfterCommit);
    }
    assert.equal(h.history().length, 2);
    const state = fs.readFileSync(h.file('P_state.json'), 'utf8');
    assert.ok(!state.includes('"history": ['), 'the state file does not carry the history');
  });
});
