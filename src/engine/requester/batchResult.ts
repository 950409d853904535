import type { ApiMetrics, BatchState, RequestInfo, TokensCost } from '../../shared/requesterState';
import { accumulateRequest, type RequestContribution, usageNumber, zeroApiMetrics } from './accounting';
import type { RequestCosting } from './costing';
import type { ResultInfo, ResultStats } from './results';
import { servedAtFlex } from './serviceTier';

/** A batch-level error reported by the provider (`batch.errors.data[]`). */
export interface BatchError {
  code?: string | null;
  message?: string | null;
  param?: string | null;
  line?: number | null;
}

/** Everything the task gets for one processed batch (remote, or virtual via the direct API). */
export interface BatchResult {
  batch: BatchState;
  /** True for a virtual batch executed through the direct API. */
  direct: boolean;
  /** Seconds from creation to the final status. */
  duration: number;
  duration_hmin: string;
  errors: BatchError[];
  /** Exactly the batch's requests, in ascending ID order. */
  results: ResultInfo[];
  stats: ResultStats;
  true_tokens_cost: TokensCost;
  true_cost: number;
  metrics: ApiMetrics;
}

/** The request part of a result before any response is known. */
export function emptyResult(id: number, size: number, payload: Record<string, unknown>, info: RequestInfo): ResultInfo {
  return {
    req_id: id,
    req_jsonl_size: size,
    req_payload: payload,
    req_info: info,
    resp_info: null,
    err_info: null,
    warn_infos: [],
    retry_counts: true,
    retry: false,
  };
}

/**
 * True tokens, cost and metrics of a processed batch (engine.md 7.3): succeeded = response without error or
 * warning, failed = everything else. Each response's own cached tokens price its cached input.
 */
export function computeBatchMetrics(results: ResultInfo[], direct: boolean, costing: RequestCosting): { metrics: ApiMetrics; trueTokensCost: TokensCost; trueCost: number } {
  const metrics = zeroApiMetrics();
  let prompt = 0;
  let completion = 0;
  let maxOutput = 0;
  let trueCost = 0;
  for (const result of results) {
    const resp = result.resp_info;
    const one: RequestContribution = { localJsonlSize: result.req_jsonl_size, response: null };
    if (resp !== null) {
      const maxOutputTokens = result.req_info.tokens_cost.max_output_tokens;
      const completionTokens = usageNumber(resp.usage, 'completion_tokens');
      // Flex answers are billed at batch prices.
      const cost = costing.trueCost(resp.usage, direct && !servedAtFlex(resp.payload) ? 'direct' : 'batch');
      one.response = { model: resp.model, systemFingerprint: resp.system_fingerprint, usage: resp.usage, maxOutputTokens, seenOutputTokens: completionTokens, trueCost: cost };
      prompt += usageNumber(resp.usage, 'prompt_tokens');
      completion += completionTokens;
      maxOutput += maxOutputTokens;
      trueCost += cost;
    }
    const succeeded = resp !== null && result.err_info === null && result.warn_infos.length === 0;
    accumulateRequest(succeeded ? metrics.succeeded : metrics.failed, one);
    accumulateRequest(metrics.total, one);
  }
  return { metrics, trueTokensCost: costing.trueTokensCost(prompt, completion, maxOutput), trueCost };
}
