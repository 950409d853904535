import { invalidRequest, notFound } from './apiError';
import { executeLine, lineSucceeds, parseBatchInput, unexecutedLine, type ParsedInput } from './batchInput';
import { batchMomentAt, terminalStatuses, type BatchMoment } from './batchTimeline';
import { permutation } from './deterministic';
import type { FaultConfig, FaultDecider } from './faults';
import { paginate, parseLimit, type FileStore, type ListPage } from './files';
import type { BatchUsageFigures, SimState, StateStore, StoredBatch } from './persistence';
import { modelEndpoint } from './modelEndpoints';
import type { StatsCollector } from './stats';

/** The Batches API's batch object. */
export interface BatchBody {
  id: string;
  object: 'batch';
  endpoint: string;
  model: string | null;
  errors: { object: 'list'; data: StoredBatch['errors'] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchMoment['status'];
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  usage: BatchUsageFigures;
  metadata: Record<string, string> | null;
}

/** Settings the batch store reads when a batch is created. */
export interface BatchSettings {
  batchSeconds: number;
  faults(): FaultConfig;
  /** Enqueued-token limits of single models, in place of the `enqueuedTokenLimit` fault for them. */
  enqueuedTokenLimits: Readonly<Record<string, number>>;
  /** Wall clock in ms. */
  clock(): number;
}

interface ExecutionPlan {
  input: ParsedInput;
  /** Execution order of the lines (indexes into input.lines); output files list lines in this order. */
  order: number[];
  /** failedBefore[k] = number of failing lines among the first k executed. */
  failedBefore: Int32Array;
}

const knownEndpoints = ['/v1/messages', '/v1/responses', '/v1/chat/completions', '/v1/embeddings', '/v1/completions', '/v1/moderations', '/v1/images/generations', '/v1/images/edits', '/v1/videos'];
const completionWindowSeconds = 24 * 3600;
const zeroUsage = (): BatchUsageFigures => ({ input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 });
const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

/** The seconds of a valid `output_expires_after` ({anchor: "created_at", seconds: 3600..2592000}); 400 otherwise. */
function expirySeconds(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const { anchor, seconds } = (typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  if (anchor !== 'created_at') throw invalidRequest(`Invalid value for 'output_expires_after.anchor': ${JSON.stringify(anchor)}. Supported values are: 'created_at'.`, 'output_expires_after.anchor', 'invalid_value');
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 3600 || seconds > 2592000) {
    throw invalidRequest(`Invalid 'output_expires_after.seconds': expected an integer between 3600 and 2592000, got ${JSON.stringify(seconds)}.`, 'output_expires_after.seconds', 'invalid_value');
  }
  return seconds;
}

/** Batches: creation with input validation, status by wall clock, cancellation, and output and error files. */
export class BatchStore {
  private readonly plans = new Map<string, ExecutionPlan>();

  constructor(
    private readonly state: SimState,
    private readonly store: StateStore,
    private readonly files: FileStore,
    private readonly decider: FaultDecider,
    private readonly stats: StatsCollector,
    private readonly settings: BatchSettings,
  ) {}

  /**
   * Creates a batch from a `POST /v1/batches` body; 400 for invalid parameters, 404 for an unknown input file. The
   * batch's timeline starts once its input has been read, so that a slow parse does not eat into `batchSeconds`.
   */
  create(body: unknown): BatchBody {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The request body must be a JSON object.');
    const { input_file_id: inputFileId, endpoint, completion_window: completionWindow, metadata, output_expires_after: outputExpiresAfter } = body as Record<string, unknown>;
    if (typeof inputFileId !== 'string') throw invalidRequest("Missing required parameter: 'input_file_id'.", 'input_file_id', 'missing_required_parameter');
    if (typeof endpoint !== 'string' || !knownEndpoints.includes(endpoint)) throw invalidRequest(`Invalid value for 'endpoint': ${JSON.stringify(endpoint)}.`, 'endpoint', 'invalid_value');
    modelEndpoint(endpoint);
    if (completionWindow !== '24h') throw invalidRequest(`Invalid value for 'completion_window': ${JSON.stringify(completionWindow)}. Supported values are: '24h'.`, 'completion_window', 'invalid_value');
    checkMetadata(metadata);
    const outputExpiresAfterSeconds = expirySeconds(outputExpiresAfter);
    const inputFile = this.files.get(inputFileId);
    if (inputFile.purpose !== 'batch') throw invalidRequest(`File ${inputFileId} has purpose '${inputFile.purpose}', a batch needs purpose 'batch'.`, 'input_file_id');
    const input = parseBatchInput(this.files.content(inputFileId), endpoint);
    for (const line of input.lines) this.stats.batchCustomId(line.customId);
    const nowMs = this.settings.clock();
    const faults = this.settings.faults();
    const number = this.state.nextBatchNumber;
    const errors = [...input.errors];
    if (errors.length === 0) {
      const queued = this.enqueuedTokens(input.model, nowMs);
      const limit = this.enqueuedTokenLimit(input.model, faults);
      if (limit > 0 && queued + input.promptTokens > limit) {
        errors.push(tokenLimitError(input.model, limit));
        this.stats.queueRejection(input.model ?? '');
      } else if (this.decider.batchFails(faults.failBatchRate, number)) errors.push(injectedValidationError());
    }
    const batch: StoredBatch = {
      id: `batch_${this.state.tag}${String(number).padStart(16, '0')}`,
      number,
      endpoint,
      input_file_id: inputFileId,
      completion_window: '24h',
      metadata: (metadata as Record<string, string> | null | undefined) ?? null,
      createdAtMs: nowMs,
      durationMs: this.settings.batchSeconds * 1000,
      errors,
      model: input.model,
      total: errors.length > 0 ? 0 : input.lines.length,
      inputTokens: input.promptTokens,
      expires: this.decider.batchExpires(faults.expireBatchRate, number),
      expireCompletedFraction: faults.expireCompletedFraction,
      lineErrorRate: faults.lineErrorRate,
      lineErrorStatus: faults.lineErrorStatus,
      cancellingAtMs: null,
      ...(outputExpiresAfterSeconds === undefined ? {} : { outputExpiresAfterSeconds }),
      outcome: null,
    };
    this.state.nextBatchNumber += 1;
    this.state.batches.push(batch);
    this.store.save(this.state);
    if (errors.length === 0) this.plans.set(batch.id, this.plan(batch, input));
    return this.view(batch, nowMs);
  }

  retrieve(batchId: string, nowMs: number): BatchBody {
    return this.view(this.get(batchId), nowMs);
  }

  /** Batches newest first, with cursor pagination (`after`, `limit` 1..100, default 20). */
  list(query: URLSearchParams, nowMs: number): ListPage<BatchBody> {
    const limit = parseLimit(query.get('limit'), 20, 100);
    const newestFirst = [...this.state.batches].sort((a, b) => b.number - a.number);
    const page = paginate(newestFirst, query.get('after'), limit);
    return { ...page, data: page.data.map((batch) => this.view(batch, nowMs)) };
  }

  /** Starts cancelling a batch; 400 if it already finished. Cancelling twice is harmless. */
  cancel(batchId: string, nowMs: number): BatchBody {
    const batch = this.get(batchId);
    const moment = batchMomentAt(batch, nowMs);
    if (terminalStatuses.has(moment.status)) throw invalidRequest(`Cannot cancel a batch with status '${moment.status}'.`, null, 'batch_not_cancellable');
    if (batch.cancellingAtMs === null) {
      batch.cancellingAtMs = nowMs;
      this.store.save(this.state);
    }
    return this.view(batch, nowMs);
  }

  /** The number of requests of a batch, also while it is validating (when its request counts are still 0). */
  requestTotal(batchId: string): number {
    return this.get(batchId).total;
  }

  /** Whether an unfinished batch still has to read this input file. */
  needsInput(fileId: string): boolean {
    return this.state.batches.some((b) => b.input_file_id === fileId && b.outcome === null && b.errors.length === 0);
  }

  private get(batchId: string): StoredBatch {
    const batch = this.state.batches.find((b) => b.id === batchId);
    if (!batch) throw notFound(`No batch found with id '${batchId}'.`, 'batch_id');
    return batch;
  }

  /** The model's own limit when one is set, else the fault that applies to every model; 0 = unlimited. */
  private enqueuedTokenLimit(model: string | null, faults: FaultConfig): number {
    return (model === null ? undefined : this.settings.enqueuedTokenLimits[model]) ?? faults.enqueuedTokenLimit;
  }

  private enqueuedTokens(model: string | null, nowMs: number): number {
    return this.state.batches
      .filter((b) => b.model === model && b.errors.length === 0 && !terminalStatuses.has(batchMomentAt(b, nowMs).status))
      .reduce((sum, b) => sum + b.inputTokens, 0);
  }

  private plan(batch: StoredBatch, input?: ParsedInput): ExecutionPlan {
    const cached = this.plans.get(batch.id);
    if (cached) return cached;
    const content = this.files.retainedContent(batch.input_file_id);
    if (!content) throw new Error(`The input file ${batch.input_file_id} of batch ${batch.id} is missing from the simulator's state`);
    const parsed = input ?? parseBatchInput(content, batch.endpoint);
    const order = permutation(parsed.lines.length, batch.id);
    const failedBefore = new Int32Array(order.length + 1);
    order.forEach((lineIndex, k) => {
      failedBefore[k + 1] = (failedBefore[k] as number) + (lineSucceeds(batch, parsed.lines[lineIndex] as ParsedInput['lines'][number], this.decider) ? 0 : 1);
    });
    const plan = { input: parsed, order, failedBefore };
    this.plans.set(batch.id, plan);
    return plan;
  }

  private view(batch: StoredBatch, nowMs: number): BatchBody {
    const moment = batchMomentAt(batch, nowMs);
    if (terminalStatuses.has(moment.status) && moment.status !== 'failed' && batch.outcome === null) this.finish(batch, moment, nowMs);
    let counts = { total: moment.status === 'validating' ? 0 : batch.total, completed: 0, failed: 0 };
    if (batch.outcome) counts = { total: batch.total, completed: batch.outcome.completed, failed: batch.outcome.failed };
    else if (moment.status !== 'validating' && moment.status !== 'failed') {
      const done = Math.floor(moment.doneFraction * batch.total);
      const failed = this.plan(batch).failedBefore[done] as number;
      counts = { total: batch.total, completed: done - failed, failed };
    }
    const createdAt = Math.floor(batch.createdAtMs / 1000);
    return {
      id: batch.id,
      object: 'batch',
      endpoint: batch.endpoint,
      model: batch.model,
      errors: moment.status === 'failed' ? { object: 'list', data: batch.errors } : null,
      input_file_id: batch.input_file_id,
      completion_window: batch.completion_window,
      status: moment.status,
      output_file_id: batch.outcome?.output_file_id ?? null,
      error_file_id: batch.outcome?.error_file_id ?? null,
      created_at: createdAt,
      in_progress_at: seconds(moment.inProgressAtMs),
      expires_at: createdAt + completionWindowSeconds,
      finalizing_at: seconds(moment.finalizingAtMs),
      completed_at: seconds(moment.completedAtMs),
      failed_at: seconds(moment.failedAtMs),
      expired_at: seconds(moment.expiredAtMs),
      cancelling_at: seconds(moment.cancellingAtMs),
      cancelled_at: seconds(moment.cancelledAtMs),
      request_counts: counts,
      usage: batch.outcome?.usage ?? zeroUsage(),
      metadata: batch.metadata,
    };
  }

  // Executes the lines done before the batch ended and writes its output and error files, once.
  private finish(batch: StoredBatch, moment: BatchMoment, nowMs: number): void {
    const plan = this.plan(batch);
    const done = moment.status === 'completed' ? plan.order.length : Math.floor(moment.doneFraction * plan.order.length);
    const outputLines: string[] = [];
    const errorLines: string[] = [];
    const usage = zeroUsage();
    const endedAt = Math.floor((moment.completedAtMs ?? moment.expiredAtMs ?? moment.cancelledAtMs ?? nowMs) / 1000);
    plan.order.forEach((lineIndex, k) => {
      const line = plan.input.lines[lineIndex] as ParsedInput['lines'][number];
      if (k >= done) {
        errorLines.push(unexecutedLine(batch.id, line.customId, moment.status === 'expired' ? 'batch_expired' : 'batch_cancelled'));
        return;
      }
      const executed = executeLine(batch, line, this.decider, endedAt);
      (executed.succeeded ? outputLines : errorLines).push(executed.json);
      if (executed.usage) {
        usage.input_tokens += executed.usage.input;
        usage.input_tokens_details.cached_tokens += executed.usage.cached;
        usage.output_tokens += executed.usage.output;
        usage.output_tokens_details.reasoning_tokens += executed.usage.reasoning;
        usage.total_tokens += executed.usage.total;
      }
    });
    const write = (lines: string[], kind: string): string | null =>
      lines.length === 0 ? null : this.files.add(`${batch.id}_${kind}.jsonl`, 'batch_output', Buffer.from(`${lines.join('\n')}\n`), nowMs, batch.outputExpiresAfterSeconds).id;
    batch.outcome = {
      output_file_id: write(outputLines, 'output'),
      error_file_id: write(errorLines, 'error'),
      completed: outputLines.length,
      failed: errorLines.length,
      usage,
    };
    this.store.save(this.state);
    this.plans.delete(batch.id);
    this.files.releaseIfDeleted(batch.input_file_id);
  }
}

function checkMetadata(metadata: unknown): void {
  if (metadata === undefined || metadata === null) return;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalidRequest("Invalid type for 'metadata': expected an object.", 'metadata', 'invalid_type');
  const entries = Object.entries(metadata);
  if (entries.length > 16) throw invalidRequest(`Invalid 'metadata': too many properties (${entries.length}), at most 16 are allowed.`, 'metadata', 'invalid_value');
  for (const [key, value] of entries) {
    if (key.length > 64) throw invalidRequest(`Invalid 'metadata': key '${key}' is longer than 64 characters.`, `metadata.${key}`, 'invalid_value');
    if (typeof value !== 'string') throw invalidRequest(`Invalid type for 'metadata.${key}': expected a string.`, `metadata.${key}`, 'invalid_type');
    if (value.length > 512) throw invalidRequest(`Invalid 'metadata.${key}': the value is longer than 512 characters.`, `metadata.${key}`, 'invalid_value');
  }
}

// Not `token_limit_exceeded`: that one is temporary (the batch is pushed again later), this one fails the batch for good.
function injectedValidationError(): StoredBatch['errors'][number] {
  return { code: 'invalid_request', message: 'The batch failed validation (injected by the failBatchRate fault).', param: null, line: null };
}

function tokenLimitError(model: string | null, limit: number): StoredBatch['errors'][number] {
  return {
    code: 'token_limit_exceeded',
    message: `Enqueued token limit reached for ${model ?? 'the model'} in organization org-simulator. Limit: ${limit.toLocaleString('en-US')} enqueued tokens. Please try again once some in_progress batches have been completed.`,
    param: null,
    line: null,
  };
}
