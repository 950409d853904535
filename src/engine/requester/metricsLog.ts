import type { UnitContext } from '../store/unit';
import { scalarEntries, usageMetrics } from '../wandb/metricKeys';
import type { MetricsSink, MetricValue } from '../wandb/metricsSink';
import { completionRatio, costBatch, sumTokensCost } from './accounting';
import type { Requester } from './requester';

/** The metrics the engine sends to W&B (engine.md 7.5), buffered per unit of work. */

const buffers = new WeakMap<UnitContext, Record<string, MetricValue>>();

/**
 * Adds metrics to the unit's buffer; the buffer is sent as one row when the unit succeeds and dropped when it is
 * reverted, so a reverted unit logs nothing.
 */
export function logInUnit(u: UnitContext, sink: MetricsSink, values: Record<string, MetricValue>): void {
  let buffer = buffers.get(u);
  if (buffer === undefined) {
    const created: Record<string, MetricValue> = {};
    buffer = created;
    buffers.set(u, created);
    let reverted = false;
    // Registered first so it runs last; the revert flag below runs before it when the unit fails.
    u.rs.always(() => {
      if (!reverted && Object.keys(created).length > 0) sink.log(created);
    });
    u.rs.onRevert(() => {
      reverted = true;
    });
  }
  Object.assign(buffer, values);
}

const mb = (bytes: number) => bytes / 1048576;

/** The requester state summary, logged with every state save. */
export function stateMetrics(r: Requester): Record<string, MetricValue> {
  const s = r.state;
  const unpushed = r.unpushedBatches;
  const remote = r.remoteBatches;
  const sum = (batches: typeof unpushed) => ({
    requests: batches.reduce((n, b) => n + b.num_requests, 0),
    size: batches.reduce((n, b) => n + b.local_jsonl_size, 0),
    tc: sumTokensCost(batches.map((b) => b.tokens_cost)),
  });
  const ongoing = sum(s.batches);
  const local = sum(unpushed);
  const rem = sum(remote);
  const counts = remote.map((b) => (b.remote?.batch as { request_counts?: { total?: number; completed?: number; failed?: number } }).request_counts ?? {});
  const all = s.metrics.all.total;
  const completion = Number(usageMetrics(all.usage)['Usage/completion_ktok'] ?? 0) * 1000;
  return {
    'Metrics/max_request_id': s.max_request_id,
    'Batch/max_batch_id': s.max_batch_id,
    'Direct/max_direct_id': s.max_direct_batch_id,
    'Batch/num_total': s.max_batch_id,
    // Batch ids count up from 1, so every batch that is no longer active was processed (or wiped).
    'Batch/num_completed': s.max_batch_id - s.batches.length,
    'Batch/num_ongoing': s.batches.length,
    'Batch/num_unpushed': unpushed.length,
    'Batch/num_remote': remote.length,
    'Batch/ongoing_requests': ongoing.requests,
    'Batch/ongoing_json_size_mb': mb(ongoing.size),
    'Batch/ongoing_input_ktok': ongoing.tc.input_tokens / 1000,
    'Batch/ongoing_pred_cost': costBatch(ongoing.tc),
    'Batch/unpushed_requests': local.requests,
    'Batch/unpushed_json_size_mb': mb(local.size),
    'Batch/unpushed_input_ktok': local.tc.input_tokens / 1000,
    'Batch/unpushed_pred_cost': costBatch(local.tc),
    'Batch/remote_requests': rem.requests,
    'Batch/remote_requests_completed': counts.reduce((n, c) => n + (c.completed ?? 0), 0),
    'Batch/remote_requests_failed': counts.reduce((n, c) => n + (c.failed ?? 0), 0),
    'Batch/remote_requests_total': counts.reduce((n, c) => n + (c.total ?? 0), 0),
    'Batch/remote_json_size_mb': mb(rem.size),
    'Batch/remote_input_ktok': rem.tc.input_tokens / 1000,
    'Batch/remote_pred_cost': costBatch(rem.tc),
    'Batch/completed_requests': s.metrics.batch.total.num_requests,
    'Batch/completed_cost': s.metrics.batch.total.true_cost,
    // A direct batch is executed and processed in one unit, so every direct batch id is a completed one.
    'Direct/num_completed': s.max_direct_batch_id,
    'Direct/completed_requests': s.metrics.direct.total.num_requests,
    'Direct/completed_cost': s.metrics.direct.total.true_cost,
    'Pushed/task_requests': s.task_push_stats.total_requests,
    'Pushed/task_input_ktok': s.task_push_stats.total_tokens_cost.input_tokens / 1000,
    'Pushed/task_pred_cost': costBatch(s.task_push_stats.total_tokens_cost),
    'Pushed/session_requests': r.session.push_stats.total_requests,
    'Pushed/session_input_ktok': r.session.push_stats.total_tokens_cost.input_tokens / 1000,
    'Pushed/session_pred_cost': costBatch(r.session.push_stats.total_tokens_cost),
    'Metrics/processed_failed_batches': r.session.processed_failed_batches,
    'Metrics/num_api_calls': s.metrics.all.num_api_calls,
    'Metrics/num_requests': all.num_requests,
    'Metrics/json_size_mb': mb(all.local_jsonl_size),
    'Metrics/num_models': Object.keys(all.models).length,
    'Metrics/num_fingerprints': Object.keys(all.system_fingerprints).length,
    'Metrics/completion_ratio': all.max_output_tokens > 0 ? completion / all.max_output_tokens : 0,
    'Metrics/max_completion_tokens_avg': all.num_requests > 0 ? all.max_output_tokens / all.num_requests : 0,
    'Metrics/num_completion_tokens_avg': all.num_requests > 0 ? completion / all.num_requests : 0,
    'Metrics/longest_completion_tokens': all.max_seen_output_tokens,
    'Metrics/cost': all.true_cost,
    'Batch/consec_pass_failures': s.num_pass_failures,
    ...usageMetrics(all.usage),
  };
}

/** The queue summary, logged after commits and batch formation. */
export function queueMetrics(r: Requester): Record<string, MetricValue> {
  const tc = sumTokensCost([...r.pool.map((q) => q.tokens_cost), r.queue.tokensCost]);
  return {
    'Queue/pool_len': r.pool.length,
    'Queue/queue_len': r.queue.length,
    'Queue/num_requests': r.pool.length + r.queue.length,
    'Queue/json_size_mb': mb(r.pool.reduce((n, q) => n + q.size, r.queue.size)),
    'Queue/input_ktok': tc.input_tokens / 1000,
    'Queue/max_output_ktok': tc.max_output_tokens / 1000,
    'Queue/pred_output_ktok': tc.output_tokens / 1000,
    'Queue/pred_completion_ratio': completionRatio(tc),
    'Queue/pred_cost_direct': tc.cost_input_direct + tc.cost_output_direct,
    'Queue/pred_cost_batch': costBatch(tc),
  };
}

/** Task state summary keys (task-manager.md 3.2) and the scalar meta entries. */
export function taskMetrics(summary: { committed: number; pending: number; responded: number; succeeded: number; failed: number; mixed: number }, meta: object, committedMeta: object, respondedMeta: object): Record<string, MetricValue> {
  return {
    'Task/samples_committed': summary.committed,
    'Task/samples_pending': summary.pending,
    'Task/samples_responded': summary.responded,
    'Task/samples_succeeded': summary.succeeded,
    'Task/samples_failed': summary.failed,
    'Task/samples_mixed_success': summary.mixed,
    ...scalarEntries('TaskMeta/', meta),
    ...scalarEntries('Task/committed_', committedMeta),
    ...scalarEntries('Task/responded_', respondedMeta),
  };
}
