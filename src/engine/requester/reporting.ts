import type { ApiMetrics, RequestMetrics, TokensCost } from '../../shared/requesterState';
import { formatSizeSi } from '../util/format';
import { costAll, costBatch, costDirect, sumTokensCost, usageNumber } from './accounting';
import type { Requester } from './requester';
import type { ResultInfo, ResultStats } from './results';

/** The log lines users search for (engine.md 7.4): per batch metrics, result statistics, and the status block. */

const sig3 = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x));
const money = (x: number): string => x.toFixed(3);

/**
 * `<Batch|Direct batch> N received r/R responses, entailing …, completion ratio Q, … = T total tokens, K true cost
 * (predicted Kp)` — one line, logged before task processing.
 */
export function batchMetricsLine(label: string, id: number, results: ResultInfo[], metrics: ApiMetrics, trueCost: number, predicted: TokensCost, direct: boolean): string {
  const total = metrics.total;
  const responded = results.filter((r) => r.resp_info !== null).length;
  const input = usageNumber(total.usage, 'prompt_tokens');
  const cached = usageNumber(total.usage, 'prompt_tokens_details.cached_tokens');
  const completion = usageNumber(total.usage, 'completion_tokens');
  const reasoning = usageNumber(total.usage, 'completion_tokens_details.reasoning_tokens');
  const ratio = total.max_output_tokens > 0 ? completion / total.max_output_tokens : 0;
  const predictedCost = direct ? costDirect(predicted) : costBatch(predicted);
  return (
    `${label} ${id} received ${responded}/${results.length} responses, entailing ${Object.keys(total.models).length} models, ` +
    `${Object.keys(total.system_fingerprints).length} fingerprints, ${input} input tokens (${cached} cached and ${input - cached} uncached, ` +
    `predicted ${predicted.input_tokens} input) + ${completion} completion tokens (${reasoning} reasoning and ${completion - reasoning} response, ` +
    `max ${total.max_seen_output_tokens} tokens, completion ratio ${sig3(ratio)}, assumed ${predicted.output_tokens} completion tokens) = ` +
    `${usageNumber(total.usage, 'total_tokens')} total tokens, ${money(trueCost)} true cost (predicted ${money(predictedCost)})`
  );
}

/** Warnings when true and predicted tokens differ by more than the configured factors. */
export function mismatchWarnings(r: Requester, label: string, id: number, metrics: ApiMetrics, predicted: TokensCost): string[] {
  const out: string[] = [];
  const factor = (a: number, b: number) => (Math.min(a, b) > 0 ? Math.max(a, b) / Math.min(a, b) : 1);
  const input = usageNumber(metrics.total.usage, 'prompt_tokens');
  if (factor(input, predicted.input_tokens) > r.options.warn_predicted_input_factor) {
    out.push(`${label} ${id} has an input token prediction mismatch in excess of a factor of ${r.options.warn_predicted_input_factor}: ${input} true vs ${predicted.input_tokens} predicted tokens`);
  }
  const completion = usageNumber(metrics.total.usage, 'completion_tokens');
  if (factor(completion, predicted.output_tokens) > r.options.warn_assumed_completion_factor) {
    const trueRatio = metrics.total.max_output_tokens > 0 ? completion / metrics.total.max_output_tokens : 0;
    const predictedRatio = predicted.max_output_tokens > 0 ? predicted.output_tokens / predicted.max_output_tokens : 0;
    out.push(
      `${label} ${id} has an assumed completion token mismatch in excess of a factor of ${r.options.warn_assumed_completion_factor}: ` +
        `${completion} true vs ${predicted.output_tokens} assumed tokens / completion ratios are ${sig3(trueRatio)} true vs ${sig3(predictedRatio)} predicted vs ${sig3(r.costing.assumedCompletionRatio)} configured`,
    );
  }
  return out;
}

export function statsLine(label: string, id: number, s: ResultStats, phase: string): string {
  return (
    `${label} ${id} ${phase} ${s.num_requests} requests = ${s.num_success} success (${s.num_empty} empty) + ${s.num_warned} warned + ${s.num_errored} errored ` +
    `(${s.num_fatal} fatal, ${s.num_retryable} retryable, ${s.num_missing} missing, ${s.num_cancelled} cancelled, ${s.num_expired} expired) => ` +
    `${s.num_pass} pass = ${(s.pass_ratio * 100).toFixed(1)}% ratio`
  );
}

export function retryLine(label: string, id: number, s: ResultStats): string {
  return (
    `${label} ${id} has ${s.num_final} final results (${s.num_final_none} without issues + ${s.num_final_warn} with warnings + ${s.num_final_err} with errors), ` +
    `and needs ${s.num_retry} retries (${s.num_retry_err} with errors + ${s.num_retry_warn} with warnings + ${s.num_retry_none} without issues, ${s.num_retry_counts} retries count)`
  );
}

function completedLine(head: string, m: RequestMetrics, succeeded: RequestMetrics): string {
  const u = m.usage;
  const prompt = usageNumber(u, 'prompt_tokens');
  const cached = usageNumber(u, 'prompt_tokens_details.cached_tokens');
  const completion = usageNumber(u, 'completion_tokens');
  const reasoning = usageNumber(u, 'completion_tokens_details.reasoning_tokens');
  const ratio = (x: RequestMetrics) => (x.max_output_tokens > 0 ? usageNumber(x.usage, 'completion_tokens') / x.max_output_tokens : 0);
  return (
    `${head}, entailing ${Object.keys(m.models).length} models, ${Object.keys(m.system_fingerprints).length} fingerprints, ${formatSizeSi(m.local_jsonl_size)} JSONL data, ` +
    `${cached} cached input + ${prompt - cached} uncached input + ${reasoning} reasoning + ${completion - reasoning} response = ${usageNumber(u, 'total_tokens')} total tokens, ` +
    `max ${m.max_seen_output_tokens} completion tokens, ${sig3(ratio(succeeded))} success completion ratio (${sig3(ratio(m))} total), ${money(m.true_cost)} true cost`
  );
}

/** The status block printed at the start and end of a run (engine.md 7.4). */
export function statusLines(r: Requester): string[] {
  const pooled = sumTokensCost(r.pool.map((q) => q.tokens_cost));
  const queued = r.queue.tokensCost;
  const bytes = (list: { size: number }[]) => list.reduce((sum, q) => sum + q.size, 0);
  const unpushed = r.unpushedBatches;
  const remote = r.remoteBatches;
  const pushable = unpushed.filter((b) => r.isPushable(b)).length;
  const summary = (batches: typeof unpushed) => {
    const tc = sumTokensCost(batches.map((b) => b.tokens_cost));
    const requests = batches.reduce((sum, b) => sum + b.num_requests, 0);
    const size = batches.reduce((sum, b) => sum + b.local_jsonl_size, 0);
    return `${requests} requests, ${formatSizeSi(size)}, ${tc.input_tokens} tokens, ${money(costBatch(tc))} assumed cost`;
  };
  const pq = sumTokensCost([pooled, queued]);
  const m = r.state.metrics;
  const pushStats = (label: string, s: { total_requests: number; total_tokens_cost: TokensCost }) =>
    `${label} push statistics are ${s.total_requests} requests, ${s.total_tokens_cost.input_tokens} input tokens, ${money(costAll(s.total_tokens_cost))} assumed cost`;
  return [
    `There are ${r.pool.length} POOLED requests and ${r.queue.length} QUEUED requests with a combined total of ${r.pool.length + r.queue.length} requests, ` +
      `${formatSizeSi(bytes(r.pool) + r.queue.size)}, ${pq.input_tokens} tokens, ${money(costBatch(pq))} assumed cost`,
    `There are ${unpushed.length} unpushed LOCAL batches (${pushable} pushable and ${unpushed.length - pushable} unpushable) with a total of ${summary(unpushed)}`,
    `There are ${r.unfinishedRemoteBatches.length} unfinished and ${r.finishedRemoteBatches.length} finished REMOTE batches with a combined total of ${summary(remote)}`,
    pushStats('SESSION', r.session.push_stats),
    pushStats('TASK', r.state.task_push_stats),
    completedLine(`${m.batch.total.num_requests} requests have been completed in BATCH mode`, m.batch.total, m.batch.succeeded),
    completedLine(`${m.direct.total.num_requests} requests have been completed in DIRECT mode`, m.direct.total, m.direct.succeeded),
    completedLine(`A total of ${m.all.total.num_requests} requests have been COMPLETED`, m.all.total, m.all.succeeded),
  ];
}

export function logStatus(r: Requester): void {
  for (const line of statusLines(r)) r.logger.info(line);
}
