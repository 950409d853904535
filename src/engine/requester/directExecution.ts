import { setMaxListeners } from 'node:events';
import OpenAI from 'openai';
import { InterruptedError } from '../../shared/errors';
import type { StoredAnswer } from '../db/storedResult';
import type { ResultInfo } from './results';
import { AnswerSaver } from './answerSaver';
import { emptyResult } from './batchResult';
import { type CachedRequest, requestInfoOf } from './cachedRequest';
import { pacedCall } from './pacedSend';
import type { Requester } from './requester';
import { errorInfo, statusCodeError } from './responses';
import { sendDirect } from './serviceTier';

/** Reports progress: requests done and failed so far, and the concurrency level now. */
export type DirectProgress = (done: number, errors: number, concurrency: number) => void;

/** Resolves the next `wait()` once `wake()` was called (also when it was called before). */
class Wakeup {
  private woken = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    this.woken = true;
    this.resolve?.();
  }

  wait(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.resolve = () => {
        this.resolve = undefined;
        this.woken = false;
        resolve();
      };
    });
  }
}

/**
 * Sends direct API requests concurrently, as many in flight as the session's `DirectPacer` allows (at most
 * `direct_concurrency`) and when its rate-limit budgets allow. 429, 5xx and connection failures are retried in place
 * (see `pacedCall`). An interrupt stops sending and throws `InterruptedError` once the requests in flight are done.
 *
 * With `persist` (requests committed to the task database), each answer is stored (in groups of those arriving within
 * milliseconds of each other) before its request counts as done and its slot is reused, and answers stored by an
 * interrupted earlier run are used instead of asking again: an interruption loses at most what was in flight. Without
 * it (requests that exist only in memory), the requests in flight are aborted and the virtual batch runs again.
 */
export async function executeDirect(r: Requester, requests: CachedRequest[], persist: boolean, onProgress: DirectProgress): Promise<ResultInfo[]> {
  const results: ResultInfo[] = new Array(requests.length);
  const save = persist && !r.dryrun;
  const stored = save ? r.records.storedAnswers(requests.map((q) => q.id)) : new Map<number, StoredAnswer>();
  let done = 0;
  let errors = 0;
  requests.forEach((request, index) => {
    const answer = stored.get(request.id);
    if (answer === undefined) return;
    results[index] = { req_id: request.id, req_jsonl_size: request.size, req_payload: request.payload, req_info: requestInfoOf(request), ...answer };
    done += 1;
    if (answer.err_info !== null) errors += 1;
  });
  if (stored.size > 0) r.logger.info(`Using ${stored.size} direct answer(s) saved by an interrupted earlier run instead of requesting them again`);
  const pacer = r.directPacer;
  let inFlight = 0;
  const saver = save ? new AnswerSaver((group) => r.records.storeAnswers(group, Math.floor(r.clock() / 1000)), () => inFlight) : undefined;
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
  // Requests waiting for the pacer stop at an interrupt in either case; one listener per wait, on a signal of this call.
  const stopWaiting = new AbortController();
  setMaxListeners(0, stopWaiting.signal);
  const stopOnInterrupt = () => stopWaiting.abort();
  if (r.gate.signal.aborted) stopOnInterrupt();
  else r.gate.signal.addEventListener('abort', stopOnInterrupt, { once: true });
  const sleep = (ms: number) => sleepUnlessStopped(ms, stopWaiting.signal);
  const wakeup = new Wakeup();

  const run = async (index: number): Promise<void> => {
    const request = requests[index] as CachedRequest;
    const result = emptyResult(request.id, request.size, request.payload, requestInfoOf(request));
    try {
      if (!r.dryrun) {
        const tokens = request.input_tokens + request.max_output_tokens;
        try {
          const { data, response } = await sendDirect(r, request, aborter.signal, (call) => pacedCall(r, pacer, tokens, sleep, call));
          const processed = r.wire.processResponse(data, request.payload, request.parse_info, response.headers.get('x-request-id') ?? undefined);
          result.resp_info = processed.resp;
          result.err_info = processed.error;
          result.warn_infos = processed.warnings;
        } catch (error) {
          if (error instanceof OpenAI.APIUserAbortError || error instanceof InterruptedError || r.gate.requested) {
            interrupted = true;
            return;
          }
          result.err_info = postError(error);
        } finally {
          wakeup.wake();
        }
      }
      r.updateResultRetry(result);
      await saver?.store(result);
      results[index] = result;
      done += 1;
      if (result.err_info !== null) errors += 1;
      onProgress(done, errors, pacer.concurrency);
    } finally {
      inFlight -= 1;
      pacer.releaseSlot();
      wakeup.wake();
    }
  };

  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
    for (let next = 0; next < requests.length && !interrupted && failure === undefined; ) {
      if (results[next] !== undefined) {
        next += 1;
        continue;
      }
      if (r.gate.requested) {
        interrupted = true;
        break;
      }
      if (!pacer.hasSlot()) {
        await wakeup.wait();
        continue;
      }
      pacer.takeSlot();
      inFlight += 1;
      const task = run(next).catch((error: unknown) => {
        failure ??= { error };
      });
      running.add(task);
      void task.finally(() => running.delete(task));
      next += 1;
    }
    await Promise.all(running);
  } finally {
    r.gate.signal.removeEventListener('abort', forwardInterrupt);
    r.gate.signal.removeEventListener('abort', stopOnInterrupt);
  }
  if (failure !== undefined) throw failure.error;
  if (interrupted) {
    throw new InterruptedError(
      save
        ? 'Interrupted while executing direct requests; the answers received are saved and the rest are requested in the next run'
        : 'Interrupted while executing direct requests; they will be executed again in the next run',
    );
  }
  return results;
}

/** Resolves after `ms`; rejects with `InterruptedError` as soon as `signal` aborts. */
function sleepUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  const interrupted = () => new InterruptedError('Interrupted while waiting to send a direct request');
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal.addEventListener('abort', stop, { once: true });
  });
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
