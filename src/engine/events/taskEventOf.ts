import type { BatchState } from '../../shared/requesterState';
import type { LiveBatch, SpendCap, TaskEvent } from '../../shared/taskEvent';
import { costAll, costBatch } from '../requester/accounting';
import type { Requester } from '../requester/requester';
import type { SampleCounts } from '../taskManager/taskState';

/** Builds a task event from the engine's in-memory state; costs time proportional to the batches not yet processed. */
export function taskEventOf(r: Requester, counts: SampleCounts, sessionStartCost: number, seq: number, atMs: number): TaskEvent {
  const batches = r.state.batches.map(liveBatch);
  const taskCost = r.state.metrics.all.total.true_cost;
  const queueCost = costBatch(r.queue.tokensCost);
  return {
    task: r.records.prefix,
    seq,
    atMs,
    samples: { committed: counts.committed, succeeded: counts.succeeded + counts.mixed, failed: counts.failed + counts.mixed, pending: counts.pending },
    queuedRequests: r.queue.length,
    batches,
    processedBatches: r.state.max_batch_id - r.state.batches.length,
    cost: { session: taskCost - sessionStartCost, task: taskCost, queued: batches.reduce((sum, b) => sum + b.estimatedCost, queueCost) },
    caps: spendCaps(r),
  };
}

function liveBatch(b: BatchState): LiveBatch {
  const counts = (b.remote?.batch as { request_counts?: { completed?: unknown; failed?: unknown } } | undefined)?.request_counts;
  return {
    id: b.id,
    place: b.remote === null ? 'local' : 'remote',
    status: b.remote === null ? 'local' : b.remote.batch.status,
    numRequests: b.num_requests,
    ...(typeof counts?.completed === 'number' ? { completed: counts.completed } : {}),
    ...(typeof counts?.failed === 'number' ? { failed: counts.failed } : {}),
    estimatedCost: costBatch(b.tokens_cost),
  };
}

/** The caps that pushing checks (engine.md 5.3), with the estimates they count, as `reasonsNotToPush` counts them. */
function spendCaps(r: Requester): SpendCap[] {
  const o = r.options;
  const session = r.session.push_stats;
  const task = r.state.task_push_stats;
  const remote = r.remoteBatches;
  return [
    { option: 'max_session_cost', unit: 'cost', limit: o.max_session_cost, used: costAll(session.total_tokens_cost) },
    { option: 'max_task_cost', unit: 'cost', limit: o.max_task_cost, used: costAll(task.total_tokens_cost) },
    { option: 'max_remote_cost', unit: 'cost', limit: o.max_remote_cost, used: remote.reduce((sum, b) => sum + costBatch(b.tokens_cost), 0) },
    { option: 'max_session_requests', unit: 'requests', limit: o.max_session_requests, used: session.total_requests },
    { option: 'max_task_requests', unit: 'requests', limit: o.max_task_requests, used: task.total_requests },
    { option: 'max_remote_requests', unit: 'requests', limit: o.max_remote_requests, used: remote.reduce((sum, b) => sum + b.num_requests, 0) },
    { option: 'max_remote_batches', unit: 'batches', limit: o.max_remote_batches, used: remote.length },
  ];
}
