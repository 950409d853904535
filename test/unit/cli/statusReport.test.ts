import assert from 'node:assert/strict';
import { statusReport } from '../../../src/cli/statusReport';
import { type BatchSummary, noCommittedEstimate, type TaskSnapshot } from '../../../src/shared/taskSnapshot';

function snapshotWith(batches: BatchSummary[]): TaskSnapshot {
  return {
    name: 'T', taskDir: '/tmp/T', prefix: 'T', started: true, queuedRequests: 0, taskCost: 0, queuedEstimate: 0, estimate: noCommittedEstimate, pilotsCost: 0, batches, olderProcessed: 0,
    samples: { committed: 1, succeeded: 0, failed: 0, pending: 1 },
  };
}

const remote = (id: number, extra: Partial<BatchSummary>): BatchSummary => ({ place: 'remote', id, numRequests: 5, status: 'completed', remoteId: `batch_${id}`, estimatedCost: 0.1, hasRequests: true, ...extra });

describe('gpt-batch status: when results not yet downloaded expire', () => {
  const now = 1_800_000_000;

  it('names the expiry time of a finished batch from output_expires_after, and says when it has passed', () => {
    const lines = statusReport(snapshotWith([remote(1, { finishedAt: now - 3600 }), remote(2, { finishedAt: now - 3 * 86_400 })]), [], new Map(), 2, now);
    const expiry = new Date((now - 3600 + 2 * 86_400) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    assert.ok(lines.includes(`  batch 1 = batch_1: completed, 5 requests; results not yet downloaded, they expire at ${expiry} (in 47.0 h): run the task to download them`), lines.join('\n'));
    assert.match(lines.join('\n'), /batch 2 = batch_2: .*its results were not downloaded and expired at /);
    assert.doesNotMatch(lines.join('\n'), /the provider keeps the results/);
  });

  it('says how long results are kept while a batch is still running', () => {
    const lines = statusReport(snapshotWith([remote(1, { status: 'in_progress' })]), [], new Map(), 30, now);
    assert.ok(lines.includes('  (the provider keeps the results of a batch 30 day(s) after writing them, see --output_expires_after; run the task to download them)'), lines.join('\n'));
  });
});

describe('gpt-batch status: the cost caps', () => {
  it('shows per cost cap what is spent, what is reserved for batches in flight and what remains', () => {
    const caps = [
      { option: 'max_task_cost', unit: 'cost' as const, limit: 1, used: 0.7, spent: 0.5, reserved: 0.2 },
      { option: 'max_task_requests', unit: 'requests' as const, limit: 100, used: 30, spent: 20, reserved: 10 },
      { option: 'max_remote_cost', unit: 'cost' as const, limit: 0.25, used: 0.2, spent: 0, reserved: 0.2 },
    ];
    const lines = statusReport(snapshotWith([]), caps, new Map(), 30, 1_800_000_000);
    assert.deepEqual(lines.slice(-3), [
      'Cost caps (reserved: the estimates of batches in flight, until their true cost is known):',
      '  max_task_cost 1.000: 0.500 spent + 0.200 reserved in flight, 0.300 remaining',
      '  max_remote_cost 0.250: 0.000 spent + 0.200 reserved in flight, 0.050 remaining',
    ]);
  });
});

describe('gpt-batch status: the estimate of what is committed and not processed', () => {
  it('names the queued requests and local batches at the prices they would be sent at, and the remote batches', () => {
    const local: BatchSummary = { place: 'local', id: 3, numRequests: 10, status: 'local', estimatedCost: 0.2, hasRequests: true };
    const snapshot: TaskSnapshot = {
      ...snapshotWith([local, remote(1, { status: 'in_progress' })]),
      queuedRequests: 40,
      queuedEstimate: 0.875,
      estimate: { prices: 'direct', queue: 0.5, local: 0.25, remote: 0.125 },
    };
    const lines = statusReport(snapshot, [], new Map(), 30, 1_800_000_000);
    const at = lines.findIndex((line) => line.startsWith('Cost: '));
    assert.deepEqual(lines.slice(at, at + 3), [
      'Cost: 0.0000 spent (true cost of what was processed), 0.8750 estimated for what is committed and not processed:',
      '  0.5000 for the 40 queued requests and 0.2500 for the 10 in local batches, at direct prices',
      '  0.1250 for the 5 requests in remote batches, at batch prices',
    ]);
  });
});
