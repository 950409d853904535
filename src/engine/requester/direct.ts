import type { BatchState, PushStats, TokensCost } from '../../shared/requesterState';
import { EngineError } from '../../shared/errors';
import type { UnitContext } from '../store/unit';
import { DelayedErrors } from '../util/delayedErrors';
import { formatDuration } from '../util/format';
import { addApiMetrics, addPushStats, costAll, costDirect, subtractPushStats, sumTokensCost, zeroPushStats } from './accounting';
import { type BatchResult, computeBatchMetrics } from './batchResult';
import { buildCachedRequest, type CachedRequest } from './cachedRequest';
import { executeDirect } from './directExecution';
import { historyEntry, resultMetrics, type BatchResultHandler } from './processing';
import { batchMetricsLine, mismatchWarnings, retryLine, statsLine } from './reporting';
import type { Requester } from './requester';
import { computeResultStats, errorKind, type ResultInfo } from './results';
import { logInUnit } from './metricsLog';
import { printVerbose } from './verbose';
import { directShare } from './serviceTier';
import { directSpend } from './reservedSpend';

/** The direct (non-batch) API path: virtual batches, limits, retries (engine.md 3.9, 3.10, 5.4). */

/** Called inside each virtual batch's unit with the requests it executed and the retries it created. */
export type VirtualBatchHook = (u: UnitContext, executed: CachedRequest[], retries: CachedRequest[]) => void;

/**
 * The next virtual batch from the front of `remaining`, or the limits that stop direct execution. `ahead` counts
 * towards the limits as if it were pushed already.
 */
function formVirtualBatch(r: Requester, remaining: CachedRequest[], ahead: PushStats): { count: number; reasons: string[]; limited: string[] } {
  const o = r.options;
  const l = r.limits;
  let task = addPushStats(r.state.task_push_stats, ahead.total_requests, ahead.total_tokens_cost);
  let session = addPushStats(r.session.push_stats, ahead.total_requests, ahead.total_tokens_cost);
  let count = 0;
  let tokens = 0;
  let cost = 0;
  for (const req of remaining) {
    const part = directShare(r, req);
    const nextTask = addPushStats(task, 1, part);
    const nextSession = addPushStats(session, 1, part);
    const limited: string[] = [];
    if (nextTask.total_requests > o.max_task_requests) limited.push('Max task requests');
    if (nextTask.total_tokens_cost.input_tokens > l.max_task_tokens) limited.push('Max task tokens');
    if (costAll(nextTask.total_tokens_cost) > o.max_task_cost) limited.push('Max task cost');
    if (nextSession.total_requests > o.max_session_requests) limited.push('Max session requests');
    if (nextSession.total_tokens_cost.input_tokens > l.max_session_tokens) limited.push('Max session tokens');
    if (costAll(nextSession.total_tokens_cost) > o.max_session_cost) limited.push('Max session cost');
    if (limited.length > 0) return { count, reasons: limited, limited };
    const reasons: string[] = [];
    if (count + 1 > o.max_direct_requests) reasons.push('Max direct requests');
    if (tokens + req.input_tokens > l.max_direct_tokens) reasons.push('Max direct tokens');
    if (cost + costDirect(part) > o.max_direct_cost) reasons.push('Max direct cost');
    if (reasons.length > 0) {
      if (count === 0) throw new EngineError('aborted', `The direct batch limits are too strict to allow even a single request to be added (request ${req.id}: ${reasons.join(', ')})`);
      return { count, reasons, limited: [] };
    }
    count += 1;
    tokens += req.input_tokens;
    cost += costDirect(part);
    task = nextTask;
    session = nextSession;
  }
  return { count, reasons: ['No more requests'], limited: [] };
}

/** A virtual batch being executed. */
interface Executing {
  id: number;
  chunk: CachedRequest[];
  predicted: TokensCost;
  assumed: TokensCost;
  reasons: string[];
  results: Promise<ResultInfo[]>;
}

/**
 * Executes requests through the direct API in virtual batches, each processed as one unit (its results, the task's
 * changes and the retries are saved together). Retries run in later virtual batches of the same call. While a virtual
 * batch is processed, the next one is already executing (unless the processed one must abort for a fatal error), so
 * that the provider is kept busy. Returns true if a task or session limit stopped execution.
 */
export async function directRequests(r: Requester, requests: CachedRequest[], handler: BatchResultHandler, hook?: VirtualBatchHook): Promise<boolean> {
  if (r.options.only_process) {
    r.logger.warn('Only-process mode => Not executing any direct requests');
    return true;
  }
  const remaining = requests.slice();
  const delayed = new DelayedErrors();
  let limitedBy: string[] = [];
  let executedCount = 0;
  let firstAttempts = 0;
  const original = new Set(requests.map((q) => q.id));
  let batches = 0;
  const started = r.clock();
  let totalDone = 0;
  let totalErrors = 0;
  let lastId = r.state.max_direct_batch_id;
  // The virtual batches formed but not processed yet: they count towards the limits as if pushed.
  let ahead = zeroPushStats();

  const startNext = (): Executing | undefined => {
    if (remaining.length === 0 || limitedBy.length > 0) return undefined;
    const { count, reasons, limited } = formVirtualBatch(r, remaining, ahead);
    if (count === 0) {
      limitedBy = limited;
      return undefined;
    }
    const chunk = remaining.splice(0, count);
    const id = (lastId += 1);
    const predicted = sumTokensCost(chunk.map((q) => q.tokens_cost));
    const assumed = sumTokensCost(chunk.map((q) => directShare(r, q)));
    ahead = addPushStats(ahead, chunk.length, assumed);
    r.logger.info(
      `Created direct batch ${id} = ${reasons.includes('No more requests') ? 'Trailing' : 'Full'} virtual batch with ${chunk.length} requests, ` +
        `${predicted.input_tokens} tokens, ${costDirect(assumed).toFixed(3)} assumed cost, due to reasons: ${reasons.join(', ')}`,
    );
    const batchStarted = r.clock();
    let lastProgress = batchStarted;
    const doneBefore = totalDone;
    const errorsBefore = totalErrors;
    const results = executeDirect(r, chunk, hook !== undefined, (done, errors, concurrency) => {
      const now = r.clock();
      if (now - lastProgress < r.options.remote_update_interval * 1000 && done < chunk.length) return;
      lastProgress = now;
      r.logger.info(
        `Direct batch ${id}: [Batch: ${done}/${chunk.length} req, ${errors} err, ${formatDuration((now - batchStarted) / 1000)}] ` +
          `[Total: ${doneBefore + done}/${doneBefore + chunk.length + remaining.length} req, ${errorsBefore + errors} err, ${formatDuration((now - started) / 1000)}] [Concurrency: ${concurrency}]`,
      );
    });
    // Settled later (or never, when an earlier batch fails): its rejection is seen where it is awaited.
    results.catch(() => undefined);
    return { id, chunk, predicted, assumed, reasons, results };
  };

  let current = startNext();
  while (current !== undefined) {
    const { id, chunk, predicted, assumed, reasons } = current;
    let next: Executing | undefined;
    try {
      const results = await current.results;
      totalDone += chunk.length;
      totalErrors += results.filter((x) => x.err_info !== null).length;
      if (!mustAbort(r, results)) next = startNext();
      const outcome = await processVirtualBatch(r, id, chunk, results, predicted, assumed, reasons, handler, hook, delayed);
      ahead = subtractPushStats(ahead, chunk.length, assumed);
      batches += 1;
      executedCount += chunk.length;
      firstAttempts += chunk.filter((q) => original.has(q.id)).length;
      remaining.push(...outcome.retries);
      if (outcome.aborted) {
        await settled(next);
        break;
      }
    } catch (error) {
      // The next batch's answers are stored as they arrive; they are used by the next run.
      await settled(next);
      throw error;
    }
    current = next ?? startNext();
  }
  r.logger.info(`Executed ${firstAttempts} of ${requests.length} requests (${executedCount} including retries) in ${batches} direct batches using the direct API`);
  if (limitedBy.length > 0) r.logger.warn(`Direct limits were reached while executing requests using the direct API: ${limitedBy.join(', ')}`);
  delayed.throwIfAny('Encountered errors while executing direct batches (their results are not saved; run again with --process_failed_batches -1 to save them anyway, and with --retry_fatal_requests to retry requests that got fatal errors):');
  return limitedBy.length > 0;
}

/** Waits until a virtual batch's execution has ended, however it ended. */
async function settled(executing: Executing | undefined): Promise<void> {
  await executing?.results.catch(() => undefined);
}

/** Whether processing these results aborts (a fatal error while failed batches may not be processed, engine.md 6.6). */
function mustAbort(r: Requester, results: ResultInfo[]): boolean {
  const pfb = r.options.process_failed_batches;
  return pfb >= 0 && r.session.processed_failed_batches >= pfb && results.some((x) => x.err_info?.fatal === true);
}

async function processVirtualBatch(
  r: Requester,
  id: number,
  chunk: CachedRequest[],
  results: ResultInfo[],
  predicted: BatchState['tokens_cost'],
  assumed: BatchState['tokens_cost'],
  reasons: string[],
  handler: BatchResultHandler,
  hook: VirtualBatchHook | undefined,
  delayed: DelayedErrors,
): Promise<{ retries: CachedRequest[]; aborted: boolean }> {
  const mustRaise = mustAbort(r, results);
  const fatal = results.filter((x) => x.err_info?.fatal === true);
  for (const x of results) if (x.err_info) r.logger.error(`Direct batch ${id} request ID ${x.req_id} got ${x.err_info.fatal ? 'fatal' : 'retryable'} error ${errorKind(x.err_info)}: ${x.err_info.msg}`);
  printVerbose(r, results);
  const { metrics, trueTokensCost, trueCost } = computeBatchMetrics(results, true, r.costing);
  r.logger.info(batchMetricsLine('Direct batch', id, results, metrics, trueCost, predicted, true));
  for (const warning of mismatchWarnings(r, 'Direct batch', id, metrics, predicted)) r.logger.warn(warning);
  if (mustRaise) {
    r.logger.error(`Aborting processing of direct batch ${id} results as errors were encountered (not updating saved state)`);
    for (const x of fatal) delayed.add(`Request got fatal error ${errorKind(x.err_info as NonNullable<ResultInfo['err_info']>)}`);
    return { retries: [], aborted: true };
  }
  const now = Math.floor(r.clock() / 1000);
  const batch: BatchState = {
    id,
    local_jsonl: `direct-${id}.jsonl`,
    local_jsonl_size: chunk.reduce((sum, q) => sum + q.size, 0),
    num_requests: chunk.length,
    tokens_cost: predicted,
    full_batch: !reasons.includes('No more requests'),
    reasons,
    push: null,
    remote: null,
  };
  const result: BatchResult = {
    batch,
    direct: true,
    duration: 0,
    duration_hmin: '0m',
    errors: [],
    results,
    stats: computeResultStats(results),
    true_tokens_cost: trueTokensCost,
    true_cost: trueCost,
    metrics: { ...metrics, num_api_calls: results.filter((x) => x.resp_info !== null).length },
  };
  r.logger.info(`${statsLine('Direct batch', id, result.stats, 'has')} (PRIOR to task-specific processing)`);
  return r.unit(async (u) => {
    r.guard(u);
    r.recordPushed(u, chunk.length, directSpend(r, result, assumed));
    const m = r.state.metrics;
    m.direct = addApiMetrics(m.direct, result.metrics);
    m.all = addApiMetrics(m.all, result.metrics);
    await handler(u, result);
    result.stats = computeResultStats(results);
    r.logger.info(statsLine('Direct batch', id, result.stats, 'AFTER task-specific processing has'));
    r.logger.info(retryLine('Direct batch', id, result.stats));
    printVerbose(r, results);
    logInUnit(u, r.metrics, resultMetrics(id, true, 0, 0, result.stats));
    r.state.max_direct_batch_id = id;
    r.records.assignRequests(u.tx, 'direct', id, chunk);
    r.records.recordResults(u.tx, results, now);
    r.records.recordProcessed(u.tx, historyEntry('direct', batch, result, `direct_batch_${id}`, 'completed', fatal.length > 0, now, now, now));
    const retries = results
      .filter((x) => x.retry)
      .map((x) => {
        r.nextRequestId += 1;
        return buildCachedRequest(
          { id: r.nextRequestId, payload: x.req_payload, meta: x.req_info.meta, retry_num: x.req_info.retry_num + (x.retry_counts ? 1 : 0), parse_info: x.req_info.parse_info },
          r.endpoint,
          r.costing,
        );
      });
    r.state.max_request_id = r.nextRequestId;
    hook?.(u, chunk, retries);
    if (fatal.length > 0) r.session.processed_failed_batches += 1;
    r.saveState(u);
    return { retries, aborted: false };
  });
}
