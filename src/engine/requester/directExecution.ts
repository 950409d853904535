import { setMaxListeners } from 'node:events';
import OpenAI from 'openai';
import { InterruptedError } from '../../shared/errors';
import type { ResultInfo } from './results';
import { emptyResult } from './batchResult';
import { type CachedRequest, requestInfoOf } from './cachedRequest';
import type { Requester } from './requester';
import { errorInfo, statusCodeError } from './responses';
import { sendDirect } from './serviceTier';

/**
 * Sends direct API requests concurrently (at most `direct_concurrency` in flight), pausing when the server's
 * rate-limit headers say the request budget is spent. 429 and 5xx answers are retried by the API client itself,
 * honouring `Retry-After`. An interrupt aborts the requests in flight and throws `InterruptedError`.
 *
 * With `persist` (requests committed to the task database), each answer is stored as it arrives and answers stored
 * by an interrupted earlier run are used instead of asking again: an interruption loses at most what was in flight.
 * Without it (requests that exist only in memory), an interrupted virtual batch is executed again.
 */
export async function executeDirect(r: Requester, requests: CachedRequest[], persist: boolean, onProgress: (done: number, errors: number) => void): Promise<ResultInfo[]> {
  const results: ResultInfo[] = new Array(requests.length);
  const save = persist && !r.dryrun;
  const stored = save ? r.records.storedAnswers(requests.map((q) => q.id)) : new Map<number, Omit<ResultInfo, 'req_payload'>>();
  let next = 0;
  let done = 0;
  let errors = 0;
  requests.forEach((request, index) => {
    const answer = stored.get(request.id);
    if (answer === undefined) return;
    results[index] = { ...answer, req_payload: request.payload };
    done += 1;
    if (answer.err_info !== null) errors += 1;
  });
  if (stored.size > 0) r.logger.info(`Using ${stored.size} direct answer(s) saved by an interrupted earlier run instead of requesting them again`);
  let pausedUntil = 0;
  let interrupted = false;
  // The API client adds an abort listener to a request's signal and never removes it; a signal that lives only as
  // long as this call keeps those listeners from piling up on the session-long interrupt signal.
  const aborter = new AbortController();
  setMaxListeners(0, aborter.signal);
  // Answers that are saved as they arrive are worth waiting for: an interrupt then only stops new requests, and the
  // ones in flight finish (a third Ctrl+C still exits at once). Unsaved answers would be lost anyway, so those
  // requests are aborted.
  const forwardInterrupt = () => aborter.abort(r.gate.signal.reason);
  if (!save) {
    if (r.gate.signal.aborted) forwardInterrupt();
    else r.gate.signal.addEventListener('abort', forwardInterrupt, { once: true });
  }

  const worker = async (): Promise<void> => {
    while (next < requests.length && !interrupted) {
      const index = next;
      next += 1;
      if (results[index] !== undefined) continue;
      if (r.gate.requested) {
        interrupted = true;
        return;
      }
      const request = requests[index] as CachedRequest;
      const wait = pausedUntil - r.clock();
      if (wait > 0) {
        try {
          await r.gate.sleep(wait);
        } catch (error) {
          if (!(error instanceof InterruptedError)) throw error;
          interrupted = true;
          return;
        }
      }
      const result = emptyResult(request.id, request.size, request.payload, requestInfoOf(request));
      if (!r.dryrun) {
        try {
          const { data, response } = await sendDirect(r, request, aborter.signal);
          pausedUntil = Math.max(pausedUntil, rateLimitPause(response.headers, r.clock()));
          const processed = r.wire.processResponse(data, request.payload, request.parse_info, response.headers.get('x-request-id') ?? undefined);
          result.resp_info = processed.resp;
          result.err_info = processed.error;
          result.warn_infos = processed.warnings;
        } catch (error) {
          if (error instanceof OpenAI.APIUserAbortError || r.gate.requested) {
            interrupted = true;
            return;
          }
          result.err_info = postError(error);
        }
      }
      r.updateResultRetry(result);
      if (save) r.records.storeAnswers([result], Math.floor(r.clock() / 1000));
      results[index] = result;
      done += 1;
      if (result.err_info !== null) errors += 1;
      onProgress(done, errors);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(r.options.direct_concurrency, requests.length) }, worker));
  } finally {
    r.gate.signal.removeEventListener('abort', forwardInterrupt);
  }
  if (interrupted) {
    throw new InterruptedError(
      save
        ? 'Interrupted while executing direct requests; the answers received are saved and the rest are requested in the next run'
        : 'Interrupted while executing direct requests; they will be executed again in the next run',
    );
  }
  return results;
}

/** Maps a failed direct API call to the error of engine.md 6.2 (network errors are retryable here, unlike upstream). */
function postError(error: unknown) {
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    return statusCodeError(error.status, { error: error.error });
  }
  if (error instanceof OpenAI.APIError) {
    return errorInfo(false, 'PostError', 'APIError', `API connection error: ${error.message}`);
  }
  return errorInfo(true, 'PostError', 'Exception', `Request failed: ${(error as Error).message ?? String(error)}`);
}

/** Parses OpenAI durations such as `1s`, `6m0s`, `20ms`, `1h2m3.5s` into milliseconds. */
export function parseResetDuration(text: string | null): number {
  if (!text) return 0;
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([0-9.]+)(ms|h|m|s)/g)) {
    const n = Number(value);
    total += unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  }
  return total;
}

/** When the request budget is spent (`x-ratelimit-remaining-requests: 0`), the time until it resets. */
export function rateLimitPause(headers: Headers, now: number): number {
  const remaining = headers.get('x-ratelimit-remaining-requests');
  if (remaining === null || Number(remaining) > 0) return 0;
  return now + parseResetDuration(headers.get('x-ratelimit-reset-requests'));
}
