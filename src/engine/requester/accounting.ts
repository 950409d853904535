import type { ApiMetrics, PushStats, RequestMetrics, TokensCost, UsageTotals } from '../../shared/requesterState';

/** Arithmetic on token/cost records, push statistics and result metrics (engine.md 7.2, 7.3). */

export function zeroTokensCost(): TokensCost {
  return {
    input_tokens: 0,
    output_tokens: 0,
    max_output_tokens: 0,
    cost_input_direct: 0,
    cost_input_batch: 0,
    cost_output_direct: 0,
    cost_output_batch: 0,
  };
}

export function addTokensCost(a: TokensCost, b: TokensCost): TokensCost {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    max_output_tokens: a.max_output_tokens + b.max_output_tokens,
    cost_input_direct: a.cost_input_direct + b.cost_input_direct,
    cost_input_batch: a.cost_input_batch + b.cost_input_batch,
    cost_output_direct: a.cost_output_direct + b.cost_output_direct,
    cost_output_batch: a.cost_output_batch + b.cost_output_batch,
  };
}

export function sumTokensCost(items: Iterable<TokensCost>): TokensCost {
  let total = zeroTokensCost();
  for (const item of items) total = addTokensCost(total, item);
  return total;
}

/** Only the batch-API cost fields (what pushing a batch will cost). */
export function batchPart(tc: TokensCost): TokensCost {
  return { ...tc, cost_input_direct: 0, cost_output_direct: 0 };
}

/** Only the direct-API cost fields (what executing requests directly will cost). */
export function directPart(tc: TokensCost): TokensCost {
  return { ...tc, cost_input_batch: 0, cost_output_batch: 0 };
}

export const costBatch = (tc: TokensCost): number => tc.cost_input_batch + tc.cost_output_batch;
export const costDirect = (tc: TokensCost): number => tc.cost_input_direct + tc.cost_output_direct;
export const costAll = (tc: TokensCost): number => costBatch(tc) + costDirect(tc);
export const completionRatio = (tc: TokensCost): number =>
  tc.max_output_tokens > 0 ? tc.output_tokens / tc.max_output_tokens : 0;

/** Integer fields equal, cost fields equal within 1e-7. */
export function tokensCostEqual(a: TokensCost, b: TokensCost): boolean {
  return (
    a.input_tokens === b.input_tokens &&
    a.output_tokens === b.output_tokens &&
    a.max_output_tokens === b.max_output_tokens &&
    Math.abs(a.cost_input_direct - b.cost_input_direct) <= 1e-7 &&
    Math.abs(a.cost_input_batch - b.cost_input_batch) <= 1e-7 &&
    Math.abs(a.cost_output_direct - b.cost_output_direct) <= 1e-7 &&
    Math.abs(a.cost_output_batch - b.cost_output_batch) <= 1e-7
  );
}

export function zeroPushStats(): PushStats {
  return { total_requests: 0, total_tokens_cost: zeroTokensCost() };
}

export function addPushStats(stats: PushStats, requests: number, tc: TokensCost): PushStats {
  return { total_requests: stats.total_requests + requests, total_tokens_cost: addTokensCost(stats.total_tokens_cost, tc) };
}

/** Push statistics without a push that was taken back; never below zero, so rounding leaves no negative cost. */
export function subtractPushStats(stats: PushStats, requests: number, tc: TokensCost): PushStats {
  const total = stats.total_tokens_cost;
  const minus = (key: keyof TokensCost) => Math.max(0, total[key] - tc[key]);
  return {
    total_requests: Math.max(0, stats.total_requests - requests),
    total_tokens_cost: {
      input_tokens: minus('input_tokens'),
      output_tokens: minus('output_tokens'),
      max_output_tokens: minus('max_output_tokens'),
      cost_input_direct: minus('cost_input_direct'),
      cost_input_batch: minus('cost_input_batch'),
      cost_output_direct: minus('cost_output_direct'),
      cost_output_batch: minus('cost_output_batch'),
    },
  };
}

export function zeroRequestMetrics(): RequestMetrics {
  return {
    num_requests: 0,
    local_jsonl_size: 0,
    models: {},
    system_fingerprints: {},
    usage: {},
    max_output_tokens: 0,
    max_seen_output_tokens: 0,
    true_cost: 0,
  };
}

export function zeroApiMetrics(): ApiMetrics {
  return { num_api_calls: 0, succeeded: zeroRequestMetrics(), failed: zeroRequestMetrics(), total: zeroRequestMetrics() };
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = (out[key] ?? 0) + value;
  return out;
}

/**
 * Adds provider usage objects field by field, recursing into nested objects. Non-numeric leaves (a provider may
 * add strings) are ignored; a number where the other side has an object (or the reverse) is an error.
 */
export function addUsage(a: UsageTotals, b: unknown): UsageTotals {
  const out: UsageTotals = {};
  accumulateUsage(out, a);
  accumulateUsage(out, b);
  return out;
}

/** Adds a provider usage object into `into` in place, like `addUsage` (for sums over many results). */
export function accumulateUsage(into: UsageTotals, b: unknown): void {
  if (b === null || typeof b !== 'object') return;
  for (const key in b as Record<string, unknown>) {
    if (!Object.hasOwn(b, key)) continue;
    const value = (b as Record<string, unknown>)[key];
    const current = into[key];
    if (typeof value === 'number') {
      if (typeof current === 'object') throw new Error(`Usage field '${key}' is both a number and an object`);
      into[key] = (current ?? 0) + value;
    } else if (value !== null && typeof value === 'object') {
      if (typeof current === 'number') throw new Error(`Usage field '${key}' is both a number and an object`);
      if (current === undefined) {
        const nested: UsageTotals = {};
        accumulateUsage(nested, value);
        into[key] = nested;
      } else accumulateUsage(current, value);
    }
  }
}

/** What one request adds to request metrics: its input line's size, and what its response (if any) used and cost. */
export interface RequestContribution {
  localJsonlSize: number;
  response: { model: string; systemFingerprint: string; usage: UsageTotals; maxOutputTokens: number; seenOutputTokens: number; trueCost: number } | null;
}

/** Adds one request into request metrics in place: the sums of `addRequestMetrics` with a bucket of that request. */
export function accumulateRequest(into: RequestMetrics, one: RequestContribution): void {
  into.num_requests += 1;
  into.local_jsonl_size += one.localJsonlSize;
  const response = one.response;
  if (response === null) return;
  into.models[response.model] = (into.models[response.model] ?? 0) + 1;
  into.system_fingerprints[response.systemFingerprint] = (into.system_fingerprints[response.systemFingerprint] ?? 0) + 1;
  accumulateUsage(into.usage, response.usage);
  into.max_output_tokens += response.maxOutputTokens;
  into.max_seen_output_tokens = Math.max(into.max_seen_output_tokens, response.seenOutputTokens);
  into.true_cost += response.trueCost;
}

export function addRequestMetrics(a: RequestMetrics, b: RequestMetrics): RequestMetrics {
  return {
    num_requests: a.num_requests + b.num_requests,
    local_jsonl_size: a.local_jsonl_size + b.local_jsonl_size,
    models: addCounts(a.models, b.models),
    system_fingerprints: addCounts(a.system_fingerprints, b.system_fingerprints),
    usage: addUsage(a.usage, b.usage),
    max_output_tokens: a.max_output_tokens + b.max_output_tokens,
    max_seen_output_tokens: Math.max(a.max_seen_output_tokens, b.max_seen_output_tokens),
    true_cost: a.true_cost + b.true_cost,
  };
}

export function addApiMetrics(a: ApiMetrics, b: ApiMetrics): ApiMetrics {
  return {
    num_api_calls: a.num_api_calls + b.num_api_calls,
    succeeded: addRequestMetrics(a.succeeded, b.succeeded),
    failed: addRequestMetrics(a.failed, b.failed),
    total: addRequestMetrics(a.total, b.total),
  };
}

/** A numeric usage field by dotted path, 0 when absent. */
export function usageNumber(usage: UsageTotals | unknown, path: string): number {
  let node: unknown = usage;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return 0;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'number' ? node : 0;
}
