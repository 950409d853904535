import type Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ProviderBatch } from './batchProvider';

/**
 * Translations between Anthropic's Message Batches objects and the Batch API vocabulary the engine speaks (see
 * `BatchProvider`).
 */

/** Stands for the output file of an ended Anthropic batch: its results, streamed from the batch's `results_url`. */
export const resultsFilePrefix = 'anthropic-results:';
/** Stands for the input of an Anthropic batch, whose requests travel inside the create call, not as an upload. */
export const inputFilePrefix = 'anthropic-input:';

/** Anthropic's error types and the HTTP statuses that answer them (API reference, "Errors"). */
const statusOfErrorType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

const seconds = (iso: string | null): number | null => (iso === null ? null : Math.floor(Date.parse(iso) / 1000));

/**
 * An Anthropic batch as a Batch API batch: `in_progress` stays, `canceling` is `cancelling`, and `ended` is
 * `cancelled` when a cancel was asked for, `expired` when requests expired, else `completed`. Succeeded requests count
 * as completed; errored, canceled and expired ones as failed. The provider's own status and counts stay beside.
 */
export function engineBatch(batch: Anthropic.Messages.MessageBatch, inputFileId: string): ProviderBatch {
  const counts = batch.request_counts;
  const ended = batch.processing_status === 'ended';
  let status: string = batch.processing_status === 'canceling' ? 'cancelling' : batch.processing_status;
  if (ended) status = batch.cancel_initiated_at !== null ? 'cancelled' : counts.expired > 0 ? 'expired' : 'completed';
  const endedAt = seconds(batch.ended_at);
  return {
    ...batch,
    status,
    input_file_id: inputFileId,
    output_file_id: ended && batch.results_url !== null ? `${resultsFilePrefix}${batch.id}` : null,
    error_file_id: null,
    created_at: seconds(batch.created_at) ?? 0,
    completed_at: status === 'completed' ? endedAt : null,
    expired_at: status === 'expired' ? endedAt : null,
    cancelled_at: status === 'cancelled' ? endedAt : null,
    request_counts: {
      total: counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired,
      completed: counts.succeeded,
      failed: counts.errored + counts.canceled + counts.expired,
    },
    provider_request_counts: counts,
  };
}

/**
 * One result line of an Anthropic batch as a Batch API output line: a succeeded message is a 200 answer, an errored
 * request the HTTP status of its error type (so 400s are fatal and 429, 5xx and 529 retried), a canceled or expired
 * request the Batch API's `batch_cancelled` or `batch_expired` line error (retried).
 */
export function engineResultLine(item: Anthropic.Messages.MessageBatchIndividualResponse): Record<string, unknown> {
  const result = item.result;
  switch (result.type) {
    case 'succeeded':
      return { id: result.message.id, custom_id: item.custom_id, response: { status_code: 200, body: result.message }, error: null };
    case 'errored': {
      const type = result.error.error.type;
      return { id: null, custom_id: item.custom_id, response: { status_code: statusOfErrorType[type] ?? 500, body: result.error }, error: null };
    }
    case 'canceled':
      return { id: null, custom_id: item.custom_id, response: null, error: { code: 'batch_cancelled', message: 'The batch was canceled before this request was processed' } };
    case 'expired':
      return { id: null, custom_id: item.custom_id, response: null, error: { code: 'batch_expired', message: 'The batch expired (after 24 hours) before this request was processed' } };
  }
}

/**
 * An Anthropic client error as the `openai` client's error of the same kind (status, body and headers kept), which
 * the engine interprets; anything else is returned as it is.
 */
export function engineError(error: unknown, sdk: typeof Anthropic): unknown {
  if (error instanceof sdk.APIUserAbortError) return new OpenAI.APIUserAbortError({ message: error.message });
  if (error instanceof sdk.APIConnectionError) return new OpenAI.APIConnectionError({ message: error.message, cause: error });
  if (error instanceof sdk.APIError && error.status !== undefined && error.headers !== undefined) {
    return OpenAI.APIError.generate(error.status, error.error as object | undefined, undefined, error.headers);
  }
  return error;
}
