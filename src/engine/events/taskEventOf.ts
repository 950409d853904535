import type { BatchState } from '../../shared/requesterState';
import type { LiveBatch, TaskEvent } from '../../shared/taskEvent';
import { costBatch } from '../requester/accounting';
import { committedTask } from '../requester/committedWork';
import type { Requester } from '../requester/requester';
import { requesterSpendCaps } from '../requester/reservedSpend';
import type { SampleCounts } from '../taskManager/taskState';

/** Builds a task event from the engine's in-memory state; costs time proportional to the batches not yet processed. */
export function taskEventOf(r: Requester, counts: SampleCounts, sessionStartCost: number, seq: number, atMs: number): TaskEvent {
  const batches = r.state.batches.map(liveBatch);
  const taskCost = r.state.metrics.all.total.true_cost;
  return {
    task: r.records.prefix,
    seq,
    atMs,
    samples: { committed: counts.committed, succeeded: counts.succeeded + counts.mixed, failed: counts.failed + counts.mixed, pending: counts.pending },
    queuedRequests: r.queue.length,
    batches,
    processedBatches: r.state.max_batch_id - r.state.batches.length,
    cost: { session: taskCost - sessionStartCost, task: taskCost, queued: committedTask(r, undefined).estimatedCost },
    caps: requesterSpendCaps(r),
    ...(r.directPacer.hasSent ? { directConcurrency: r.directPacer.concurrency } : {}),
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
