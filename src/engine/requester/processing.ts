import type { BatchState, HistoryEntry, RemoteBatch } from '../../shared/requesterState';
import type { UnitContext } from '../store/unit';
import { DelayedErrors } from '../util/delayedErrors';
import { formatDurationHmin } from '../util/format';
import { LogSummarizer } from '../util/logSummarizer';
import { addApiMetrics } from './accounting';
import { type BatchError, type BatchResult, computeBatchMetrics, emptyResult } from './batchResult';
import { idOfCustomId } from './cachedRequest';
import { deleteRemoteFile } from './pushing';
import { batchMetricsLine, mismatchWarnings, retryLine, statsLine } from './reporting';
import type { Requester } from './requester';
import { errorInfo, statusCodeError } from './responses';
import { computeResultStats, errorKind, isCancelled, retryableRequestErrorCodes, type ResultInfo, type ResultStats } from './results';
import { logInUnit } from './metricsLog';
import { prepareProcessBatches } from './polling';
import { isQueueFull, requeueRejectedBatch, tooLargeForQueue } from './queueFull';

/** Processing finished remote batches: download, interpret, hand to the task, requeue retries (engine.md 6.4). */

/** What the task does with each processed batch, inside the unit that saves it. */
export type BatchResultHandler = (u: UnitContext, result: BatchResult) => Promise<void>;

const lineCategories = {
  json: 'line JSON',
  keys: 'output keys',
  id: 'request ID parse',
  unexpected: 'unexpected ID',
  duplicate: 'duplicate ID',
} as const;

async function download(r: Requester, fileId: string, what: string, batch: BatchState): Promise<string | undefined> {
  try {
    return await r.provider.downloadFile(fileId);
  } catch (error) {
    r.logger.error(`Failed to download the ${what} file ${fileId} of batch ${batch.id}; its requests will count as missing: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * Processes every finished remote batch in ID order. A batch that must not be processed (see
 * `process_failed_batches`) stays finished and unprocessed; the collected errors are thrown at the end.
 */
export async function processBatches(r: Requester, handler: BatchResultHandler): Promise<void> {
  await prepareProcessBatches(r);
  const delayed = new DelayedErrors();
  const finished = r.finishedRemoteBatches;
  // Rejected pushes go first, while the other finished batches (the room freed since) are still known.
  const rejected = finished.filter(isQueueFull);
  for (const batch of [...rejected, ...finished.filter((b) => !rejected.includes(b))]) {
    if (r.dryrun) {
      r.logger.warn(`[DRYRUN] Not processing finished batch ${batch.id} (${batch.remote?.batch.id})`);
      continue;
    }
    if (rejected.includes(batch)) await requeueRejectedBatch(r, batch);
    else await processBatch(r, batch, handler, delayed);
  }
  delayed.throwIfAny('Encountered errors while processing finished remote batches (the batches stay unprocessed; run again with --process_failed_batches -1 to process them anyway, and with --retry_fatal_requests to retry requests that got fatal errors):');
}

async function processBatch(r: Requester, batch: BatchState, handler: BatchResultHandler, delayed: DelayedErrors): Promise<void> {
  const remote = batch.remote as RemoteBatch;
  const remoteBatch = remote.batch as RemoteBatch['batch'] & { errors?: { data?: BatchError[] } | null; [k: string]: unknown };
  const pfb = r.options.process_failed_batches;
  const mustRaise = pfb >= 0 && r.session.processed_failed_batches >= pfb;
  const errors: string[] = [];
  const fail = (message: string) => {
    failed = true;
    if (mustRaise) errors.push(message);
  };
  let failed = false;

  const batchErrors = remoteBatch.errors?.data ?? [];
  if (remoteBatch.status === 'failed') {
    for (const e of batchErrors) r.logger.error(`Batch ${batch.id} failed: ${e.code ?? ''} ${e.message ?? ''}${e.line != null ? ` (line ${e.line})` : ''}`);
    const tooLarge = tooLargeForQueue(batch);
    if (tooLarge !== undefined) r.logger.error(tooLarge);
    fail("Batch status is 'failed'");
  } else if (remoteBatch.status !== 'completed' || batchErrors.length > 0) {
    const log = batchErrors.length > 0 ? r.logger.error.bind(r.logger) : r.logger.warn.bind(r.logger);
    log(`Batch ${batch.id} was overall unsuccessful (status '${remoteBatch.status}', ${batchErrors.length} batch errors); processing its results anyway`);
  }

  // The downloads run while the batch's requests are read (a download never rejects: a failed one counts as missing).
  const downloads = (
    [
      [remoteBatch.error_file_id, 'error'],
      [remoteBatch.output_file_id, 'output'],
    ] as const
  ).flatMap(([fileId, what]) => (fileId ? [{ fileId, text: download(r, fileId, what, batch) }] : []));
  const requests = await r.records.loadBatchRequests(batch, r.endpoint);
  const byId = new Map(requests.map((q) => [q.id, q]));
  const results = new Map<number, ResultInfo>();
  const anomalies = new Map<string, number>();
  const warnSummary = new LogSummarizer((m: string) => r.logger.warn(m), r.options.show_warnings);
  const errorSummary = new LogSummarizer((m: string) => r.logger.error(m), r.options.show_errors);

  for (const { fileId, text: downloaded } of downloads) {
    const text = await downloaded;
    if (text === undefined) continue;
    const anomaly = (category: string) => anomalies.set(category, (anomalies.get(category) ?? 0) + 1);
    let lineNo = 0;
    for (const raw of text.split('\n')) {
      lineNo += 1;
      if (raw.trim() === '') continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        anomaly(lineCategories.json);
        continue;
      }
      if (line === null || typeof line !== 'object' || !('custom_id' in line) || !('error' in line) || !('response' in line)) {
        anomaly(lineCategories.keys);
        continue;
      }
      const id = idOfCustomId(line.custom_id);
      if (id === undefined) {
        anomaly(lineCategories.id);
        continue;
      }
      const request = byId.get(id);
      if (request === undefined) {
        anomaly(lineCategories.unexpected);
        continue;
      }
      if (results.has(id)) {
        anomaly(lineCategories.duplicate);
        continue;
      }
      const result = emptyResult(id, request.size, request.payload, request.info);
      interpretLine(r, line, result);
      results.set(id, result);
      if (result.warn_infos.length === 0 && result.err_info === null) continue;
      const where = `Batch ${batch.id} remote file '${fileId}' line ${lineNo} request ID ${id}`;
      for (const w of result.warn_infos) warnSummary.log(`${where} got warning ${errorKind(w)}: ${w.msg}`);
      if (result.err_info !== null) {
        errorSummary.log(`${where} got ${result.err_info.fatal ? 'fatal' : 'retryable'} error ${errorKind(result.err_info)}: ${result.err_info.msg}`);
        if (result.err_info.fatal) fail(`Request got fatal error ${errorKind(result.err_info)}`);
      }
    }
  }
  warnSummary.finalize((omitted: number, total: number) => `Got ${omitted} further warnings (total ${total} warnings)`);
  errorSummary.finalize((omitted: number, total: number) => `Got ${omitted} further errors (total ${total} errors)`);
  for (const [category, count] of anomalies) {
    r.logger.error(`Batch ${batch.id} output has ${count} line(s) with a ${category} problem`);
    for (let i = 0; i < count; i += 1) fail(`Batch output line with a ${category} problem`);
  }
  const missing = requests.filter((q) => !results.has(q.id));
  if (missing.length > 0 || results.size !== requests.length) {
    r.logger.error(`Batch ${batch.id} is missing responses for request IDs ${missing.slice(0, 20).map((q) => q.id).join(', ')}${missing.length > 20 ? ', …' : ''}`);
    fail('Batch responses are missing for some requests');
  }
  for (const q of missing) {
    const result = emptyResult(q.id, q.size, q.payload, q.info);
    result.err_info = errorInfo(true, 'ResponseError', 'Missing', 'No response was received for this request');
    r.updateResultRetry(result);
    results.set(q.id, result);
  }
  const ordered = requests.map((q) => results.get(q.id) as ResultInfo);
  const { metrics, trueTokensCost, trueCost } = computeBatchMetrics(ordered, false, r.costing);
  r.logger.info(batchMetricsLine('Batch', batch.id, ordered, metrics, trueCost, batch.tokens_cost, false));
  for (const warning of mismatchWarnings(r, 'Batch', batch.id, metrics, batch.tokens_cost)) r.logger.warn(warning);
  if (remoteBatch.status === 'cancelled' || ordered.some(isCancelled)) {
    r.logger.error(`Batch ${batch.id} contains cancelled requests`);
    fail('Batch response contains cancelled requests');
  }
  if (errors.length > 0) {
    r.logger.error(`Aborting processing of finished batch ${batch.id} (${remoteBatch.id}) as errors were encountered (leaving batch as it was)`);
    errors.forEach((e) => delayed.add(e));
    return;
  }
  if (failed) r.logger.warn(`Processing failed batch ${batch.id} (${remoteBatch.id}) anyway`);

  const finishedAt = Math.max(...['completed_at', 'failed_at', 'expired_at', 'cancelled_at'].map((k) => Number(remoteBatch[k] ?? 0)));
  const duration = Math.max(0, finishedAt - remoteBatch.created_at);
  const result: BatchResult = {
    batch,
    direct: false,
    duration,
    duration_hmin: formatDurationHmin(duration),
    errors: batchErrors,
    results: ordered,
    stats: computeResultStats(ordered),
    true_tokens_cost: trueTokensCost,
    true_cost: trueCost,
    metrics: { ...metrics, num_api_calls: 1 },
  };
  r.logger.info(`${statsLine('Batch', batch.id, result.stats, `took ${result.duration_hmin} (max 24h) for`)} (PRIOR to task-specific processing)`);

  // The unit and the clean-up of the batch's remote files form one section for interrupts: a Ctrl+C during the unit
  // takes effect after the files are deleted, so they are never left behind.
  await r.gate.defer(() => commitBatchResult(r, batch, result, handler, ordered, failed, finishedAt, duration, batchErrors));
  if (r.state.num_pass_failures >= r.options.max_pass_failures) {
    r.logger.error(`Number of consecutive batch pass failures has reached limit (${r.state.num_pass_failures} ≥ ${r.options.max_pass_failures})`);
    delayed.add('Number of consecutive batch pass failures has reached limit');
  }
}

/** Saves a processed batch with the task's changes and its retries, then deletes its remote files. */
async function commitBatchResult(
  r: Requester,
  batch: BatchState,
  result: BatchResult,
  handler: BatchResultHandler,
  ordered: ResultInfo[],
  failed: boolean,
  finishedAt: number,
  duration: number,
  batchErrors: BatchError[],
): Promise<void> {
  const remote = batch.remote as RemoteBatch;
  const remoteBatch = remote.batch;
  await r.unit(async (u) => {
    r.guard(u);
    const m = r.state.metrics;
    m.batch = addApiMetrics(m.batch, result.metrics);
    m.all = addApiMetrics(m.all, result.metrics);
    await handler(u, result);
    const stats = computeResultStats(ordered);
    result.stats = stats;
    r.logger.info(statsLine('Batch', batch.id, stats, 'AFTER task-specific processing has'));
    r.logger.info(retryLine('Batch', batch.id, stats));
    logInUnit(u, r.metrics, resultMetrics(batch.id, false, duration, batchErrors.length, stats));
    const processedAt = Math.floor(r.clock() / 1000);
    const entry: HistoryEntry = historyEntry('batch', batch, result, remoteBatch.id, remoteBatch.status, failed, remoteBatch.created_at, finishedAt, processedAt);
    r.state.batches = r.state.batches.filter((b) => b.id !== batch.id);
    r.records.recordResults(u.tx, ordered, processedAt);
    r.records.recordProcessed(u.tx, entry);
    if (!failed) {
      if (stats.num_pass <= 0 || stats.pass_ratio < r.options.min_pass_ratio) r.state.num_pass_failures += 1;
      else r.state.num_pass_failures = 0;
    } else {
      r.session.processed_failed_batches += 1;
      r.logger.warn(`Have processed a total of ${r.session.processed_failed_batches} failed batches in this session`);
    }
    for (const res of ordered) {
      if (!res.retry) continue;
      r.addRequest(
        { payload: res.req_payload, meta: res.req_info.meta, retry_num: res.retry_counts ? res.req_info.retry_num + 1 : res.req_info.retry_num },
        res.req_info.parse_info,
      );
    }
    u.tx.remove(batch.local_jsonl);
    if (r.pool.length > 0) await r.commitRequests(undefined, u);
    else r.saveState(u);
  });
  for (const fileId of [remoteBatch.error_file_id, remoteBatch.output_file_id, remote.file.id]) {
    if (fileId) await deleteRemoteFile(r, fileId);
  }
  r.logger.info(`Finished processing batch ${batch.id} (${remoteBatch.id}) containing ${batch.num_requests} requests`);
}

/** Fills a result from one output/error file line (engine.md 6.4 step 5). */
function interpretLine(r: Requester, line: Record<string, unknown>, result: ResultInfo): void {
  const response = line.response as { status_code?: unknown; body?: unknown; request_id?: unknown } | null;
  if (response === null || response === undefined || (typeof response === 'object' && Object.keys(response).length === 0)) {
    result.err_info = errorInfo(true, 'ResponseField', 'MissingEmpty', 'The response field is missing or empty');
  } else if (typeof response.status_code !== 'number') {
    result.err_info = errorInfo(true, 'StatusCode', 'MissingNull', 'The response has no status code');
  } else if (response.status_code !== 200) {
    result.err_info = statusCodeError(response.status_code, response.body ?? null);
  } else {
    const processed = r.wire.processResponse(response.body, result.req_payload, result.req_info.parse_info, typeof line.id === 'string' ? line.id : undefined);
    result.resp_info = processed.resp;
    result.err_info = processed.error;
    result.warn_infos = processed.warnings;
  }
  const error = line.error as { code?: unknown; message?: unknown } | null;
  if (error !== null && error !== undefined && typeof error === 'object') {
    const code = typeof error.code === 'string' ? error.code : 'unknown';
    const message = typeof error.message === 'string' ? error.message : '';
    result.err_info = errorInfo(!retryableRequestErrorCodes.has(code), 'RequestError', code, `Request error ${code}: ${message}`, message);
    result.retry_counts = !retryableRequestErrorCodes.has(code);
  }
  r.updateResultRetry(result);
}

export function historyEntry(kind: 'batch' | 'direct', batch: BatchState, result: BatchResult, remoteId: string, status: string, failed: boolean, createdAt: number, finishedAt: number, processedAt: number): HistoryEntry {
  return {
    kind,
    id: batch.id,
    num_requests: batch.num_requests,
    local_jsonl_size: batch.local_jsonl_size,
    tokens_cost: batch.tokens_cost,
    true_tokens_cost: result.true_tokens_cost,
    true_cost: result.true_cost,
    metrics: result.metrics,
    full_batch: batch.full_batch,
    reasons: batch.reasons,
    remote_batch_id: remoteId,
    status,
    failed,
    created_at: createdAt,
    finished_at: finishedAt,
    processed_at: processedAt,
  };
}

/** The per-batch `Result/*` metrics (engine.md 7.5). */
export function resultMetrics(id: number, direct: boolean, durationSeconds: number, numBatchErrors: number, stats: ResultStats): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {
    'Result/batch_id': id,
    'Result/direct_batch': direct,
    'Result/duration_hours': durationSeconds / 3600,
    'Result/num_batch_errors': numBatchErrors,
  };
  for (const [key, value] of Object.entries(stats)) out[`Result/${key}`] = value;
  return out;
}

