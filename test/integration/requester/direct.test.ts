import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import { EngineError, InterruptedError } from '../../../src/shared/errors';
import type { BatchResult } from '../../../src/engine/requester/batchResult';
import { processUnpushableBatches } from '../../../src/engine/requester/unpushableBatches';
import { pushBatches } from '../../../src/engine/requester/pushing';
import type { Requester } from '../../../src/engine/requester/requester';
import { costAll, costDirect } from '../../../src/engine/requester/accounting';
import type { PushStats } from '../../../src/shared/requesterState';
import { addAndCommit, chatRequest, recordingHandler, RequesterHarness } from '../../support/engine/requesterHarness';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const lineCount = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).length : 0);
const batchIdsOf = (line: string) => (JSON.parse(line) as { custom_id: string }).custom_id;
const errorKinds = (results: BatchResult[]) => results.flatMap((r) => r.results.map((x) => (x.err_info ? `${x.err_info.type}(${x.err_info.subtype})` : 'none')));

/** The IDs of the requests the first local batch holds, as a later run would execute or push them. */
async function heldIds(requester: Requester): Promise<number[]> {
  const batch = requester.state.batches[0];
  return batch ? (await requester.loadBatchCachedRequests(batch)).map((q) => q.id) : [];
}

/** Commits `count` requests and forms one trailing batch of them, unpushable under the session's options. */
async function unpushableBatch(requester: Requester, count: number, extra: Record<string, unknown> = {}): Promise<string> {
  await addAndCommit(requester, count, 'r', extra);
  await requester.batchRequests(true);
  const batch = requester.state.batches[0];
  assert.ok(batch && !requester.isPushable(batch));
  return batch.local_jsonl;
}

describe('requester direct execution (engine.md §12 scenarios 28–32, concurrency, Retry-After, all-or-nothing)', function () {
  this.timeout(60_000);
  let h: RequesterHarness;
  beforeEach(async () => {
    h = await RequesterHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('28: a trailing batch below min_batch_requests runs directly in virtual batches; it holds fewer requests after each and its file is deleted when empty', async () => {
    const { requester, gate } = await h.open({ options: { min_batch_requests: 101, max_direct_requests: 10 } });
    const file = await unpushableBatch(requester, 30);
    const heldSeen: number[] = [];
    const { results } = recordingHandler();
    const outcome = await processUnpushableBatches(requester, async (_u, result) => {
      heldSeen.push((await heldIds(requester)).length);
      results.push(result);
    });
    assert.deepEqual(outcome, { remaining: 0, limited: false });
    assert.deepEqual(heldSeen, [30, 20, 10]);
    assert.deepEqual(results.map((r) => r.results.length), [10, 10, 10]);
    assert.equal(fs.existsSync(file), false);
    assert.deepEqual(h.state().batches, []);
    const history = h.history();
    assert.deepEqual(history.map((e) => [e.kind, e.remote_batch_id]), [['direct', 'direct_batch_1'], ['direct', 'direct_batch_2'], ['direct', 'direct_batch_3']]);
    // Fix of engine.md §11.1: a direct batch is recorded as completed.
    assert.ok(history.every((e) => e.status === 'completed'));
    assert.equal(h.state().max_direct_batch_id, 3);
    assert.equal(Object.keys(h.sim.stats().directRequestIdsAnswered).length, 30);
    assert.equal(getEventListeners(gate.signal, 'abort').length, 0, 'no abort listener of a finished request is left on the session signal');
  });

  it('an interrupt lets the requests in flight finish and saves their answers; the next session uses them instead of asking again', async () => {
    h.sim.setFaults({ chatLatencyMs: 300 });
    const { requester, gate } = await h.open({ options: { min_batch_requests: 101, direct_concurrency: 2 } });
    const file = await unpushableBatch(requester, 6);
    const before = h.snapshot();
    h.hooks = {
      before: () => {
        setImmediate(() => gate.request('SIGINT'));
      },
    };
    await assert.rejects(processUnpushableBatches(requester, recordingHandler().handler), (error: unknown) => error instanceof InterruptedError);
    const answered = Object.keys(h.sim.stats().directRequestIdsAnswered).sort();
    assert.deepEqual(answered, ['id-1', 'id-2'], 'the two requests in flight were answered, no new one was sent');
    const { 'task.db:results': results, ...after } = h.snapshot();
    const { 'task.db:results': _none, ...unchanged } = before;
    assert.deepEqual(after, unchanged, 'nothing was processed');
    assert.deepEqual((JSON.parse(results ?? '[]') as { request_id: number }[]).map((r) => `id-${r.request_id}`).sort(), answered);
    assert.equal(lineCount(file), 6);

    h.hooks = {};
    h.sim.resetStats();
    const next = await h.open({ options: { min_batch_requests: 101, direct_concurrency: 2 } });
    const { handler, results: processed } = recordingHandler();
    await processUnpushableBatches(next.requester, handler);
    assert.deepEqual(processed.flatMap((b) => b.results.map((x) => x.req_id)).sort(), [1, 2, 3, 4, 5, 6]);
    const askedAgain = Object.keys(h.sim.stats().directRequestIds).filter((id) => answered.includes(id));
    assert.deepEqual(askedAgain, [], 'answered requests were asked again');
  });

  it('29: a 500 is retried in the same run; interrupted right after its virtual batch, the retry is on disk in the batch file', async () => {
    h.sim.setFaults({ serverErrorRate: 1 });
    const first = await h.open({ options: { min_batch_requests: 101 }, clientRetries: 0 });
    const file = await unpushableBatch(first.requester, 1);
    await assert.rejects(
      processUnpushableBatches(first.requester, async (_u, result) => {
        assert.equal(errorKinds([result])[0], 'StatusCode(NotOK)');
        first.gate.request('SIGINT');
      }),
      (error: unknown) => error instanceof InterruptedError,
    );
    h.sim.setFaults({ serverErrorRate: 0 });
    const second = await h.open({ options: { min_batch_requests: 101 } });
    assert.deepEqual(await heldIds(second.requester), [2]);
    assert.deepEqual(fs.readFileSync(file, 'utf8').trim().split('\n').slice(-1).map(batchIdsOf), ['id-2'], 'the retry is the last line of the batch file');
    assert.equal(h.history().length, 1);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(second.requester, handler);
    assert.deepEqual(results.map((r) => r.results.map((x) => [x.req_id, x.req_info.retry_num, x.err_info])), [[[2, 1, null]]]);
    assert.equal(fs.existsSync(file), false);
  });

  it('counts processed direct requests in the task and session spend at their true cost, not their prediction', async () => {
    const { requester } = await h.open({ options: { min_batch_requests: 101, max_direct_requests: 10 } });
    await unpushableBatch(requester, 30);
    const { results } = recordingHandler();
    await processUnpushableBatches(requester, async (_u, result) => {
      results.push(result);
    });
    const trueCost = results.reduce((sum, r) => sum + r.true_cost, 0);
    const predicted = results.reduce((sum, r) => sum + costDirect(r.batch.tokens_cost), 0);
    assert.ok(trueCost > 0 && trueCost < predicted * 0.9, `the simulator's short answers cost less than predicted (${trueCost} vs ${predicted})`);
    const spent = (stats: PushStats) => costAll(stats.total_tokens_cost);
    assert.ok(Math.abs(spent(h.state().task_push_stats) - trueCost) < 1e-12, `the task's spend ${spent(h.state().task_push_stats)} is the true cost ${trueCost}`);
    assert.ok(Math.abs(spent(requester.session.push_stats) - trueCost) < 1e-12);
    assert.equal(h.state().task_push_stats.total_requests, 30);
  });

  it('30: max_session_requests 10 with 30 unpushable requests executes exactly 10, reports the limit, and the next session continues', async () => {
    const options = { min_batch_requests: 101, max_session_requests: 10 };
    const first = await h.open({ options });
    const file = await unpushableBatch(first.requester, 30);
    assert.deepEqual(await processUnpushableBatches(first.requester, recordingHandler().handler), { remaining: 1, limited: true });
    assert.equal(h.sim.stats().chatCompletionCalls, 10);
    assert.match(h.logger.text(), /Direct limits were reached while executing requests using the direct API: Max session requests/);
    const second = await h.open({ options });
    assert.deepEqual(await heldIds(second.requester), range(11, 30));
    await processUnpushableBatches(second.requester, recordingHandler().handler);
    assert.equal(h.sim.stats().chatCompletionCalls, 20);
    const third = await h.open({ options });
    assert.deepEqual(await heldIds(third.requester), range(21, 30));
    assert.equal(fs.existsSync(file), true);
  });

  it('pushes a batch that ran partly through the direct API with only the requests it still holds', async () => {
    const forced = await h.open({ options: { force_direct: true, max_session_requests: 10 } });
    const file = await unpushableBatch(forced.requester, 30);
    assert.deepEqual(await processUnpushableBatches(forced.requester, recordingHandler().handler), { remaining: 1, limited: true });

    const normal = await h.open({ options: { min_batch_requests: 1 } });
    await pushBatches(normal.requester);
    assert.equal(h.sim.stats().routes['POST /v1/batches'], 1);
    const [pushed] = normal.requester.state.batches;
    assert.ok(pushed?.remote);
    const content = await fetch(`${h.sim.baseUrl}/files/${pushed.remote.file.id}/content`, { headers: { authorization: 'Bearer sim' } });
    const uploaded = (await content.text()).trim().split('\n');
    assert.deepEqual(uploaded.map(batchIdsOf), range(11, 30).map((id) => `id-${id}`));
    assert.equal(pushed.remote.file.bytes, pushed.local_jsonl_size);
    assert.equal(fs.readFileSync(file, 'utf8'), `${uploaded.join('\n')}\n`);
    assert.match(h.logger.text(), /Rewrote the input file of batch 1 with its 20 requests left after direct execution/);
  });

  it('refuses a partly executed batch whose file lost one of the requests it holds, naming the file, line and batch', async () => {
    const first = await h.open({ options: { min_batch_requests: 101, max_session_requests: 10 } });
    const file = await unpushableBatch(first.requester, 30);
    await processUnpushableBatches(first.requester, recordingHandler().handler);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    fs.writeFileSync(file, [...lines.slice(0, 12), lines[12]?.replace('"id-13"', '"id-999"'), ...lines.slice(13)].join('\n'));
    const second = await h.open({ options: { min_batch_requests: 101 } });
    await assert.rejects(processUnpushableBatches(second.requester, recordingHandler().handler), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /line 13 has custom_id 'id-999', which is not the batch's request 13 \(batch 1\)/);
      assert.ok(error.message.includes(file));
      return true;
    });
    assert.equal(h.sim.stats().chatCompletionCalls, 10);
  });

  it('31: max_direct_cost below one request\'s estimated direct cost is a "too strict" error', async () => {
    const { requester } = await h.open({ options: { min_batch_requests: 101, max_direct_cost: 0.01 } });
    await unpushableBatch(requester, 1, { max_completion_tokens: 4000 });
    const before = h.snapshot();
    await assert.rejects(processUnpushableBatches(requester, recordingHandler().handler), (error: unknown) => {
      assert.ok(EngineError.is(error, 'aborted'));
      assert.match(error.message, /direct batch limits are too strict to allow even a single request/);
      assert.match(error.message, /Max direct cost/);
      return true;
    });
    assert.deepEqual(h.snapshot(), before);
    assert.equal(h.sim.stats().chatCompletionCalls, 0);
  });

  it('32: force_direct never uploads and runs every batch directly; turned off later, an existing local batch becomes pushable', async () => {
    const forced = await h.open({ options: { force_direct: true } });
    await unpushableBatch(forced.requester, 3);
    await pushBatches(forced.requester);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(forced.requester, handler);
    assert.equal(results[0]?.stats.num_success, 3);
    await addAndCommit(forced.requester, 2, 'later');
    await forced.requester.batchRequests(true);
    assert.equal(h.sim.stats().routes['POST /v1/files'] ?? 0, 0);

    const normal = await h.open();
    const [batch] = normal.requester.unpushedBatches;
    assert.ok(batch && normal.requester.isPushable(batch));
    await pushBatches(normal.requester);
    assert.equal(h.sim.stats().routes['POST /v1/batches'], 1);
  });

  it('runs direct requests concurrently, up to direct_concurrency in flight', async () => {
    h.sim.setFaults({ chatLatencyMs: 200 });
    let inFlight = 0;
    let maxInFlight = 0;
    h.hooks = {
      before: (call) => {
        if (call.path.endsWith('/chat/completions')) maxInFlight = Math.max(maxInFlight, (inFlight += 1));
      },
      after: (call) => {
        if (call.path.endsWith('/chat/completions')) inFlight -= 1;
      },
    };
    const { requester } = await h.open({ options: { min_batch_requests: 101, direct_concurrency: 4 } });
    await unpushableBatch(requester, 12);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.equal(results[0]?.stats.num_success, 12);
    assert.ok(maxInFlight >= 2 && maxInFlight <= 4, `${maxInFlight} requests were in flight at once`);
    // Every request carries its own X-Client-Request-Id, so a provider can tell retries from duplicates.
    assert.deepEqual(Object.keys(h.sim.stats().directRequestIds).sort(), Array.from({ length: 12 }, (_, i) => `id-${i + 1}`).sort());
  });

  it('honours Retry-After of a 429 before calling again', async () => {
    h.sim.setFaults({ rateLimitRate: 0.3, rateLimitRetryAfter: 1 });
    const lastAnswer = new Map<string, { status: number; at: number }>();
    const gapsAfter429: number[] = [];
    h.hooks = {
      before: (call) => {
        const id = call.headers.get('x-client-request-id') ?? '';
        const previous = lastAnswer.get(id);
        if (previous?.status === 429) gapsAfter429.push(Date.now() - previous.at);
      },
      after: (call, status) => {
        lastAnswer.set(call.headers.get('x-client-request-id') ?? '', { status, at: Date.now() });
      },
    };
    const { requester } = await h.open({ options: { min_batch_requests: 101, direct_concurrency: 2 }, clientRetries: 6 });
    await unpushableBatch(requester, 8);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.deepEqual(errorKinds(results), Array(8).fill('none'));
    assert.ok((h.sim.stats().statusCodes['429'] ?? 0) > 0, 'the simulator answered some calls with 429');
    assert.ok(gapsAfter429.length > 0);
    assert.ok(gapsAfter429.every((gap) => gap >= 900), `calls after a 429 came ${gapsAfter429.join(', ')} ms later`);
  });

  it('saves a virtual batch all-or-nothing: a task failure keeps its requests in the batch file to run again', async () => {
    const first = await h.open({ options: { min_batch_requests: 101, max_direct_requests: 10 } });
    await unpushableBatch(first.requester, 20);
    let calls = 0;
    await assert.rejects(
      processUnpushableBatches(first.requester, async () => {
        calls += 1;
        if (calls === 2) throw new Error('task could not store the results');
      }),
      /task could not store the results/,
    );
    assert.equal(h.history().length, 1);
    assert.equal(h.state().max_direct_batch_id, 1);
    const second = await h.open({ options: { min_batch_requests: 101, max_direct_requests: 10 } });
    assert.deepEqual(await heldIds(second.requester), range(11, 20));
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(second.requester, handler);
    assert.deepEqual(results[0]?.results.map((x) => x.req_id), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    assert.equal(h.state().max_direct_batch_id, 2);
  });

  it('stops at the first virtual batch with a fatal error (fix of engine.md §11.14), processes nothing of it and keeps its answers', async () => {
    const { requester } = await h.open({ options: { min_batch_requests: 101, max_direct_requests: 5 } });
    requester.addRequest(chatRequest('invalid', { n: 0 }));
    const file = await unpushableBatch(requester, 9);
    const before = h.snapshot();
    await assert.rejects(processUnpushableBatches(requester, recordingHandler().handler), /1 × Request got fatal error StatusCode\(NotOK\)/);
    assert.deepEqual(Object.keys(h.sim.stats().directRequestIds).sort(), ['id-1', 'id-2', 'id-3', 'id-4', 'id-5']);
    const { 'task.db:results': results, ...after } = h.snapshot();
    const { 'task.db:results': resultsBefore, ...unchanged } = before;
    assert.deepEqual(after, unchanged);
    assert.equal(resultsBefore, '[]');
    const answers = JSON.parse(results ?? '[]') as { request_id: number; processed: number }[];
    assert.deepEqual(answers.map((a) => [a.request_id, a.processed]), [[1, 0], [2, 0], [3, 0], [4, 0], [5, 0]], 'the paid answers are kept, unprocessed');
    assert.equal(lineCount(file), 10);

    h.sim.resetStats();
    const next = await h.open({ options: { min_batch_requests: 101, max_direct_requests: 5, process_failed_batches: -1 } });
    await processUnpushableBatches(next.requester, recordingHandler().handler);
    const sent = Object.keys(h.sim.stats().directRequestIds);
    assert.ok(!sent.some((id) => ['id-1', 'id-2', 'id-3', 'id-4', 'id-5'].includes(id)), `answered requests were sent again: ${sent.join(', ')}`);
  });

  it('treats a network error as retryable in direct mode (ours, unlike upstream) and retries it in a later virtual batch', async () => {
    h.hooks = {
      before: (call) => {
        if (['id-1', 'id-2'].includes(call.headers.get('x-client-request-id') ?? '')) throw new TypeError('fetch failed');
      },
    };
    const { requester } = await h.open({ options: { min_batch_requests: 101 }, clientRetries: 0 });
    await unpushableBatch(requester, 3);
    const { handler, results } = recordingHandler();
    await processUnpushableBatches(requester, handler);
    assert.deepEqual(errorKinds(results), ['PostError(APIError)', 'PostError(APIError)', 'none', 'none', 'none']);
    assert.equal(results[0]?.results[0]?.err_info?.fatal, false);
    assert.deepEqual(results[1]?.results.map((x) => [x.req_id, x.req_info.retry_num]), [[4, 1], [5, 1]]);
  });
});
