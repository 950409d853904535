import type { UsageTotals } from '../../shared/requesterState';
import type { ResultInfo } from '../requester/results';
import { parseJsonColumn } from './json';

/**
 * How a result is stored in `results.result` (schema 6): the answer and the engine's verdict on it. The request's
 * payload and info are in its `requests` row and the usage is in the `usage` column, so neither is written twice;
 * that is about a third of a chat completion's result, and the part (floats of the frozen estimate) slowest to
 * serialise. Rows written by earlier schemas hold the whole ResultInfo, a superset of this.
 */
export type StoredAnswer = Omit<ResultInfo, 'req_id' | 'req_jsonl_size' | 'req_payload' | 'req_info'>;

/** A result's columns `finish_reason, cut_short, refused, usage, result`, in this order. */
export function resultColumns(x: ResultInfo): [string | null, number, number, string | null, string] {
  const finishReason = finishReasonOf(x);
  return [finishReason, isCutShort(x, finishReason) ? 1 : 0, isRefused(x, finishReason) ? 1 : 0, usageJson(x), storedResultJson(x)];
}

function storedResultJson(x: ResultInfo): string {
  const resp = x.resp_info;
  return JSON.stringify({
    resp_info: resp === null ? null : { payload: resp.payload, model: resp.model, system_fingerprint: resp.system_fingerprint },
    err_info: x.err_info,
    warn_infos: x.warn_infos,
    retry_counts: x.retry_counts,
    retry: x.retry,
  });
}

function usageJson(x: ResultInfo): string | null {
  return x.resp_info === null ? null : JSON.stringify(x.resp_info.usage);
}

/** A stored answer read back, its usage taken from the `usage` column. */
export function storedAnswerOfRow(file: string, requestId: number, result: string, usage: string | null): StoredAnswer {
  const stored = parseJsonColumn(file, `results.result of request ${requestId}`, result) as StoredAnswer & Partial<ResultInfo>;
  const resp = stored.resp_info;
  return {
    resp_info:
      resp === null || resp === undefined
        ? null
        : { payload: resp.payload, model: resp.model, system_fingerprint: resp.system_fingerprint, usage: usage === null ? resp.usage : (parseJsonColumn(file, `results.usage of request ${requestId}`, usage) as UsageTotals) },
    err_info: stored.err_info,
    warn_infos: stored.warn_infos,
    retry_counts: stored.retry_counts,
    retry: stored.retry,
  };
}

/** The first choice's `finish_reason` (chat completions), else an Anthropic message's `stop_reason`. */
function finishReasonOf(x: ResultInfo): string | null {
  const choices = x.resp_info?.payload.choices as { finish_reason?: unknown }[] | undefined;
  const reason = choices?.[0]?.finish_reason ?? x.resp_info?.payload.stop_reason;
  return typeof reason === 'string' ? reason : null;
}

const cutShortReasons = new Set(['length', 'content_filter', 'max_tokens']);

/**
 * Whether the answer stopped short of its end: a chat completion's finish reason `length` or `content_filter`,
 * Anthropic's stop reason `max_tokens`, an incomplete Responses answer (out of output tokens, filtered).
 */
function isCutShort(x: ResultInfo, finishReason: string | null): boolean {
  return (finishReason !== null && cutShortReasons.has(finishReason)) || x.resp_info?.payload.status === 'incomplete';
}

/**
 * Whether the model refused: a chat completion's first choice with a refusal message, Anthropic's stop reason
 * `refusal`, a Responses output message with a content part of type `refusal`.
 */
function isRefused(x: ResultInfo, finishReason: string | null): boolean {
  const payload = x.resp_info?.payload;
  if (payload === undefined) return false;
  const choices = payload.choices as { message?: { refusal?: unknown } }[] | undefined;
  if (choices?.[0]?.message?.refusal != null || finishReason === 'refusal') return true;
  const output = payload.output;
  if (!Array.isArray(output)) return false;
  return output.some((item: { content?: unknown }) => Array.isArray(item?.content) && item.content.some((part: { type?: unknown }) => part?.type === 'refusal'));
}
