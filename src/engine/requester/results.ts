import type { RequestInfo, UsageTotals } from '../../shared/requesterState';

/** An error or a warning about one request's result (engine.md 6.2). */
export interface ErrorInfo {
  /** A fatal error is not retried by default (see `retry_fatal_requests`). */
  fatal: boolean;
  type: string;
  /** '' when the type has no subtype. */
  subtype: string;
  msg: string;
  data: unknown;
}

/** The response part of a result. `payload` is the chat completion; with auto-parse each choice's
 *  `message.parsed` holds the validated structured output (or null). */
export interface ResponseInfo {
  payload: Record<string, unknown>;
  model: string;
  system_fingerprint: string;
  usage: UsageTotals;
}

/**
 * The outcome of one request, handed to the task. The task may change `err_info`, `retry` and `retry_counts`
 * (then call the requester's `updateResultRetry` to recompute the default retry decision).
 */
export interface ResultInfo {
  req_id: number;
  req_jsonl_size: number;
  req_payload: Record<string, unknown>;
  req_info: RequestInfo;
  resp_info: ResponseInfo | null;
  err_info: ErrorInfo | null;
  warn_infos: ErrorInfo[];
  retry_counts: boolean;
  retry: boolean;
}

/** Counts over the results of one batch (engine.md 6.5). */
export interface ResultStats {
  num_requests: number;
  num_success: number;
  num_empty: number;
  num_warned: number;
  num_errored: number;
  num_retryable: number;
  num_cancelled: number;
  num_expired: number;
  num_fatal: number;
  num_missing: number;
  num_pass: number;
  pass_ratio: number;
  num_final: number;
  num_final_err: number;
  num_final_warn: number;
  num_final_none: number;
  num_retry: number;
  num_retry_err: number;
  num_retry_warn: number;
  num_retry_none: number;
  num_retry_counts: number;
}

export const retryableStatusCodes: ReadonlySet<number> = new Set([200, 408, 429, 500, 502, 503, 504]);
export const retryableRequestErrorCodes: ReadonlySet<string> = new Set(['batch_expired', 'batch_cancelled']);
export const finishedBatchStatuses: ReadonlySet<string> = new Set(['failed', 'completed', 'expired', 'cancelled']);

/** The default retry decision (engine.md 3.8). */
export function defaultRetry(result: ResultInfo, maxRetries: number, retryFatal: boolean): boolean {
  const error = result.err_info;
  if (error === null) return false;
  if (error.fatal && !retryFatal) return false;
  return result.req_info.retry_num < maxRetries || !result.retry_counts;
}

export function isCancelled(result: ResultInfo): boolean {
  return result.err_info?.type === 'RequestError' && result.err_info.subtype === 'batch_cancelled';
}

export function isExpired(result: ResultInfo): boolean {
  return result.err_info?.type === 'RequestError' && result.err_info.subtype === 'batch_expired';
}

export function isMissing(result: ResultInfo): boolean {
  return result.err_info?.type === 'ResponseError' && result.err_info.subtype === 'Missing';
}

export function computeResultStats(results: Iterable<ResultInfo>): ResultStats {
  const s: ResultStats = {
    num_requests: 0,
    num_success: 0,
    num_empty: 0,
    num_warned: 0,
    num_errored: 0,
    num_retryable: 0,
    num_cancelled: 0,
    num_expired: 0,
    num_fatal: 0,
    num_missing: 0,
    num_pass: 0,
    pass_ratio: 0,
    num_final: 0,
    num_final_err: 0,
    num_final_warn: 0,
    num_final_none: 0,
    num_retry: 0,
    num_retry_err: 0,
    num_retry_warn: 0,
    num_retry_none: 0,
    num_retry_counts: 0,
  };
  for (const r of results) {
    s.num_requests += 1;
    const error = r.err_info;
    if (error === null) {
      if (r.warn_infos.length > 0) s.num_warned += 1;
      else s.num_success += 1;
      if (r.resp_info === null) s.num_empty += 1;
    } else {
      s.num_errored += 1;
      if (error.fatal) s.num_fatal += 1;
      else s.num_retryable += 1;
      if (isCancelled(r)) s.num_cancelled += 1;
      if (isExpired(r)) s.num_expired += 1;
      if (isMissing(r)) s.num_missing += 1;
    }
    const kind = error !== null ? 'err' : r.warn_infos.length > 0 ? 'warn' : 'none';
    if (r.retry) {
      s.num_retry += 1;
      if (r.retry_counts) s.num_retry_counts += 1;
      if (kind === 'err') s.num_retry_err += 1;
      else if (kind === 'warn') s.num_retry_warn += 1;
      else s.num_retry_none += 1;
    } else {
      s.num_final += 1;
      if (kind === 'err') s.num_final_err += 1;
      else if (kind === 'warn') s.num_final_warn += 1;
      else s.num_final_none += 1;
    }
  }
  s.num_pass = s.num_success + s.num_expired;
  s.pass_ratio = s.num_requests > 0 ? s.num_pass / s.num_requests : 0;
  return s;
}

/** `T(S)` as used in log lines and aggregated errors. */
export function errorKind(info: ErrorInfo): string {
  return info.subtype ? `${info.type}(${info.subtype})` : info.type;
}
