import assert from 'node:assert/strict';
import fs from 'node:fs';
import { EngineError } from '../../../src/shared/errors';
import type { BatchResult } from '../../../src/engine/requester/batchResult';
import { processBatches } from '../../../src/engine/requester/processing';
import { pushBatches } from '../../../src/engine/requester/pushing';
import type { Requester } from '../../../src/engine/requester/requester';
import type { ResultInfo } from '../../../src/engine/requester/results';
import { addAndCommit, isFileContent, mapJsonl, pushAllBatches, recordingHandler, RequesterHarness, waitForAllBatches } from '../../support/engine/requesterHarness';

/** Forms a batch of everything queued, pushes it and waits until every remote batch has finished. */
async function pushAndWait(requester: Requester): Promise<void> {
  await requester.batchRequests(true);
  await pushAllBatches(requester);
  await waitForAllBatches(requester);
}

const kind = (result: ResultInfo | undefined) => (result?.err_info ? `${result.err_info.type}(${result.err_info.subtype})` : 'none');
const warnings = (result: ResultInfo | undefined) => (result?.warn_infos ?? []).map((w) => `${w.type}(${w.subtype})`);
const only = (results: BatchResult[]) => {
  assert.equal(results.length, 1);
  return results[0] as BatchResult;
};

const jsonSchemaFormat = {
  type: 'json_schema',
  json_schema: { name: 'Answer', strict: true, schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } },
};

describe('requester processing of finished batches (engine.md §12 scenarios 14–27)', function () {
  this.timeout(60_000);
  let h: RequesterHarness;
  beforeEach(async () => {
    h = await RequesterHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Rewrites the lines of downloaded output files whose custom_id passes `select`. */
  const rewriteOutputLines = (select: (customId: string) => boolean, change: (line: Record<string, unknown>) => Record<string, unknown> | string | null) => {
    h.rewrite = (route, body) => (isFileContent(route) ? mapJsonl(body, (line) => (select(String(line.custom_id)) ? change(line) : line)) : body);
  };
  const withBody = (line: Record<string, unknown>, edit: (body: Record<string, unknown>) => void) => {
    const response = line.response as { body: Record<string, unknown> };
    edit(response.body);
    return line;
  };

  it('records the result of every request of a batch larger than one insert statement, each with its usage, finish reason and flags, the request not repeated', async () => {
    const { requester } = await h.open();
    await addAndCommit(requester, 237);
    await pushAndWait(requester);
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    const ordered = only(results).results;
    const rows = h.readDb((db) =>
      db.all<{ request_id: number; processed: number; outcome: string; finish_reason: string; cut_short: number; refused: number; usage: string; result: string }>('SELECT * FROM results ORDER BY request_id'),
    );
    assert.deepEqual(
      rows.map((row) => row.request_id),
      ordered.map((x) => x.req_id),
    );
    for (const [index, row] of rows.entries()) {
      const expected = ordered[index] as ResultInfo;
      assert.equal(row.processed, 1);
      assert.equal(row.outcome, 'succeeded');
      assert.equal(row.finish_reason, 'stop');
      assert.deepEqual([row.cut_short, row.refused], [0, 0]);
      assert.deepEqual(JSON.parse(row.usage), expected.resp_info?.usage);
      const { payload, model, system_fingerprint } = expected.resp_info ?? {};
      assert.deepEqual(JSON.parse(row.result), { resp_info: { payload, model, system_fingerprint }, err_info: null, warn_infos: [], retry_counts: expected.retry_counts, retry: false });
    }
  });

  it('14: 100 successful lines reach the task; the batch moves to the history and its local and remote files are deleted', async () => {
    const { requester, client } = await h.open();
    await addAndCommit(requester, 100);
    await pushAndWait(requester);
    const localJsonl = requester.state.batches[0]?.local_jsonl ?? '';
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    const result = only(results);
    assert.equal(result.results.length, 100);
    assert.ok(result.results.every((x) => x.err_info === null && x.resp_info !== null && !x.retry));
    assert.deepEqual(h.state().batches, []);
    const [entry] = h.history();
    assert.equal(entry?.kind, 'batch');
    assert.equal(entry?.num_requests, 100);
    assert.equal(entry?.failed, false);
    assert.ok((entry?.true_tokens_cost as { input_tokens: number }).input_tokens > 0);
    assert.equal((entry?.metrics as { num_api_calls: number; succeeded: { num_requests: number } }).succeeded.num_requests, 100);
    assert.equal(h.state().num_pass_failures, 0);
    assert.equal(fs.existsSync(localJsonl), false);
    const remaining = [];
    for await (const file of client.files.list()) remaining.push(file.id);
    assert.deepEqual(remaining, []);
  });

  it('15: a 429 line is retryable: requeued under a new ID with retry_num 1 and the same meta, payload and parse_info; at max_retries it is final', async () => {
    h.sim.setFaults({ lineErrorRate: 1, lineErrorStatus: 429 });
    const { requester } = await h.open({ options: { max_retries: 1, max_pass_failures: 5 } });
    await addAndCommit(requester, 1);
    await pushAndWait(requester);
    const first = recordingHandler();
    await processBatches(requester, first.handler);
    const result = only(first.results).results[0];
    assert.equal(kind(result), 'StatusCode(NotOK)');
    assert.equal(result?.err_info?.fatal, false);
    assert.equal(result?.err_info?.data, 429);
    assert.equal(result?.retry, true);
    const [retry] = requester.queue.iterate();
    assert.equal(retry?.id, 2);
    assert.equal(retry?.retry_num, 1);
    assert.deepEqual(retry?.meta, { name: 'r0' });
    assert.deepEqual(retry?.payload, result?.req_payload);
    assert.deepEqual(retry?.parse_info, result?.req_info.parse_info);
    assert.equal(h.queuedIds().length, 1, 'the retry was saved with the processing');

    await pushAndWait(requester);
    const second = recordingHandler();
    await processBatches(requester, second.handler);
    const final = only(second.results).results[0];
    assert.equal(final?.req_info.retry_num, 1);
    assert.equal(final?.retry, false);
    assert.equal(requester.queue.length, 0);
  });

  it('16: a 400 line is fatal; by default the batch is left unprocessed and the error lists "1 × Request got fatal error StatusCode(NotOK)"', async () => {
    h.sim.setFaults({ lineErrorRate: 1, lineErrorStatus: 400 });
    const { requester } = await h.open();
    await addAndCommit(requester, 1);
    await pushAndWait(requester);
    const before = h.snapshot();
    const { handler, results } = recordingHandler();
    await assert.rejects(processBatches(requester, handler), (error: unknown) => EngineError.is(error, 'aborted') && /1 × Request got fatal error StatusCode\(NotOK\)/.test(error.message));
    assert.equal(results.length, 0);
    assert.deepEqual(h.snapshot(), before);
    assert.equal(requester.finishedRemoteBatches.length, 1);
  });

  it('17: with process_failed_batches 1 the first failed batch is processed (fatal result final), the second raises', async () => {
    h.sim.setFaults({ lineErrorRate: 1, lineErrorStatus: 400 });
    const { requester } = await h.open({ options: { process_failed_batches: 1, max_batch_requests: 1 } });
    await addAndCommit(requester, 2);
    await pushAndWait(requester);
    assert.equal(requester.finishedRemoteBatches.length, 2);
    const { handler, results } = recordingHandler();
    await assert.rejects(processBatches(requester, handler), /1 × Request got fatal error StatusCode\(NotOK\)/);
    const result = only(results).results[0];
    assert.equal(result?.err_info?.fatal, true);
    assert.equal(result?.retry, false);
    assert.equal(requester.session.processed_failed_batches, 1);
    assert.equal(h.state().num_pass_failures, 0, 'a processed failed batch does not count as a pass failure');
    assert.equal(requester.queue.length, 0);
    assert.equal(requester.finishedRemoteBatches.length, 1, 'the second failed batch stays unprocessed');
    assert.equal(h.history()[0]?.failed, true);
  });

  it('18: process_failed_batches -1 with retry_fatal_requests processes the batch and retries the fatal request', async () => {
    h.sim.setFaults({ lineErrorRate: 1, lineErrorStatus: 400 });
    const { requester } = await h.open({ options: { process_failed_batches: -1, retry_fatal_requests: true } });
    await addAndCommit(requester, 1);
    await pushAndWait(requester);
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    assert.equal(only(results).results[0]?.retry, true);
    assert.deepEqual([...requester.queue.iterate()].map((q) => [q.id, q.retry_num]), [[2, 1]]);
  });

  it('19: an expired batch hands over its results; the expired requests are retried for free and count as pass', async () => {
    h.sim.setFaults({ expireBatchRate: 1, expireCompletedFraction: 0.6 });
    const { requester } = await h.open();
    await addAndCommit(requester, 10);
    await pushAndWait(requester);
    assert.equal(requester.finishedRemoteBatches[0]?.remote?.batch.status, 'expired');
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    const result = only(results);
    assert.equal(result.stats.num_success, 6);
    assert.equal(result.stats.num_expired, 4);
    assert.equal(result.stats.num_pass, 10);
    assert.ok(result.results.filter((x) => x.err_info !== null).every((x) => kind(x) === 'RequestError(batch_expired)' && x.retry && !x.retry_counts));
    assert.deepEqual([...requester.queue.iterate()].map((q) => q.retry_num), [0, 0, 0, 0]);
    assert.equal(h.history()[0]?.failed, false);
    assert.equal(h.state().num_pass_failures, 0);
  });

  it('20: a cancelled batch counts as failed and raises; with failed batches allowed its requests are retried without counting', async () => {
    // A slow batch, so that the cancel arrives while it is still validating, however loaded the machine is.
    await h.close();
    h = await RequesterHarness.start({ batchSeconds: 10 });
    const first = await h.open();
    await addAndCommit(first.requester, 3);
    await first.requester.batchRequests(true);
    await pushBatches(first.requester);
    await first.client.batches.cancel(first.requester.state.batches[0]?.remote?.batch.id ?? '');
    await waitForAllBatches(first.requester);
    await assert.rejects(processBatches(first.requester, recordingHandler().handler), /Batch response contains cancelled requests/);

    const { requester } = await h.open({ options: { process_failed_batches: 1 } });
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    const result = only(results);
    assert.equal(result.stats.num_cancelled, 3);
    assert.ok(result.results.every((x) => kind(x) === 'RequestError(batch_cancelled)' && x.retry && !x.retry_counts));
    assert.deepEqual([...requester.queue.iterate()].map((q) => q.retry_num), [0, 0, 0]);
    assert.equal(h.history()[0]?.failed, true);
  });

  it('21: an output missing a request gives it ResponseError(Missing) and fails the batch', async () => {
    rewriteOutputLines((id) => id === 'id-2', () => null);
    const first = await h.open();
    await addAndCommit(first.requester, 3);
    await pushAndWait(first.requester);
    await assert.rejects(processBatches(first.requester, recordingHandler().handler), /Batch responses are missing for some requests/);
    const { requester } = await h.open({ options: { process_failed_batches: 1 } });
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    const result = only(results);
    assert.deepEqual(result.results.map(kind), ['none', 'ResponseError(Missing)', 'none']);
    assert.equal(result.results[1]?.err_info?.fatal, true);
    assert.equal(result.stats.num_missing, 1);
  });

  it('22: garbage, keyless, badly named, unknown and duplicate output lines are each counted and fail the batch', async () => {
    h.rewrite = (route, body) => {
      if (!isFileContent(route) || !body.includes('id-1')) return body;
      const lines = body.trim().split('\n');
      const one = lines.find((line) => line.includes('"id-1"')) ?? '';
      return [...lines, 'not json at all', JSON.stringify({ custom_id: 'id-1' }), one.replace('"id-1"', '"request-1"'), one.replace('"id-1"', '"id-999"'), one].join('\n') + '\n';
    };
    const { requester } = await h.open();
    await addAndCommit(requester, 2);
    await pushAndWait(requester);
    await assert.rejects(processBatches(requester, recordingHandler().handler), (error: unknown) => {
      const message = (error as Error).message;
      for (const category of ['line JSON', 'output keys', 'request ID parse', 'unexpected ID', 'duplicate ID']) {
        assert.match(message, new RegExp(`1 × Batch output line with a ${category} problem`));
      }
      return true;
    });
    assert.equal(requester.finishedRemoteBatches.length, 1);
  });

  it('23: two batches passing 40% with min_pass_ratio 0.5 and max_pass_failures 2: the second is committed, then the run stops; the counter is saved as 2', async () => {
    const failing = new Set(['id-1', 'id-2', 'id-3', 'id-6', 'id-7', 'id-8']);
    rewriteOutputLines(
      (id) => failing.has(id),
      (line) => ({ ...line, response: { status_code: 429, body: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } } } }),
    );
    const { requester } = await h.open({ options: { max_batch_requests: 5, min_pass_ratio: 0.5, max_pass_failures: 2 } });
    await addAndCommit(requester, 10);
    await pushAndWait(requester);
    const { handler, results } = recordingHandler();
    await assert.rejects(processBatches(requester, handler), /1 × Number of consecutive batch pass failures has reached limit/);
    assert.deepEqual(results.map((r) => r.stats.pass_ratio), [0.4, 0.4]);
    assert.equal(h.history().length, 2);
    assert.equal(h.state().num_pass_failures, 2);
  });

  it('24: a response cut off by length is a retryable AutoParse(FinishReason) with auto_parse, else MessageChoices(NoneValid); both warn', async () => {
    // No retries, so that the second session's batch holds only its own request.
    const first = await h.open({ options: { max_retries: 0 } });
    first.requester.addRequest({ payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Answer at length' }], max_completion_tokens: 1, response_format: jsonSchemaFormat } });
    await first.requester.commitRequests();
    await pushAndWait(first.requester);
    const parsed = recordingHandler();
    await processBatches(first.requester, parsed.handler);
    const withParse = only(parsed.results).results[0];
    assert.equal(kind(withParse), 'AutoParse(FinishReason)');
    assert.equal(withParse?.err_info?.fatal, false);
    assert.equal(withParse?.retry, false, 'retryable, but max_retries 0 is spent');
    assert.deepEqual(warnings(withParse), ['MessageChoice(FinishReason)']);

    const second = await h.open({ options: { auto_parse: false, max_pass_failures: 5 } });
    second.requester.addRequest({ payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Answer at length' }], max_completion_tokens: 1 } });
    await second.requester.commitRequests();
    await pushAndWait(second.requester);
    const plain = recordingHandler();
    await processBatches(second.requester, plain.handler);
    const withoutParse = only(plain.results).results[0];
    assert.equal(kind(withoutParse), 'MessageChoices(NoneValid)');
    assert.equal(withoutParse?.retry, true);
    assert.deepEqual(warnings(withoutParse), ['MessageChoice(FinishReason)']);
  });

  it('25: a refusal to a structured-output request warns Refusal and is a retryable AutoParse(ParsedNone)', async () => {
    rewriteOutputLines(() => true, (line) => withBody(line, (body) => {
      const [choice] = body.choices as { message: Record<string, unknown> }[];
      if (choice) choice.message = { role: 'assistant', content: null, refusal: 'I cannot help with that.' };
    }));
    const { requester } = await h.open();
    requester.addRequest({ payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell me' }], response_format: jsonSchemaFormat } });
    await requester.commitRequests();
    await pushAndWait(requester);
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    const result = only(results).results[0];
    assert.equal(kind(result), 'AutoParse(ParsedNone)');
    assert.equal(result?.err_info?.fatal, false);
    assert.deepEqual(warnings(result), ['MessageChoice(Refusal)']);
  });

  it('26: an unknown finish reason is a fatal MessageChoice(FinishReason) whose data is the choice index', async () => {
    rewriteOutputLines(() => true, (line) => withBody(line, (body) => {
      const [choice] = body.choices as Record<string, unknown>[];
      if (choice) choice.finish_reason = 'foo';
    }));
    const { requester } = await h.open({ options: { process_failed_batches: -1 } });
    await addAndCommit(requester, 1);
    await pushAndWait(requester);
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    const result = only(results).results[0];
    assert.equal(kind(result), 'MessageChoice(FinishReason)');
    assert.equal(result?.err_info?.fatal, true);
    assert.equal(result?.err_info?.data, 0);
  });

  it('27: n = 2 with one choice returned warns IncorrectNum: counted warned, not pass, and in the "failed" metrics bucket', async () => {
    rewriteOutputLines(() => true, (line) => withBody(line, (body) => {
      body.choices = (body.choices as unknown[]).slice(0, 1);
    }));
    const { requester } = await h.open();
    await addAndCommit(requester, 1, 'r', { n: 2 });
    await pushAndWait(requester);
    const { handler, results } = recordingHandler();
    await processBatches(requester, handler);
    const result = only(results);
    assert.equal(kind(result.results[0]), 'none');
    assert.deepEqual(warnings(result.results[0]), ['MessageChoices(IncorrectNum)']);
    assert.equal(result.stats.num_warned, 1);
    assert.equal(result.stats.num_pass, 0);
    assert.equal(result.metrics.failed.num_requests, 1);
    assert.equal(result.metrics.succeeded.num_requests, 0);
  });
});
