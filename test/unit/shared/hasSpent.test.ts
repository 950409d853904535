import assert from 'node:assert/strict';
import { type BatchSummary, hasSpent, noCommittedEstimate, type TaskSnapshot } from '../../../src/shared/taskSnapshot';

function snapshotWith(batches: BatchSummary[], taskCost: number, pilotsCost: number): TaskSnapshot {
  return {
    name: 'T', taskDir: '/tmp/T', prefix: 'T', started: true, queuedRequests: 100, taskCost, queuedEstimate: 0.5, estimate: noCommittedEstimate, pilotsCost, batches, olderProcessed: 0,
    samples: { committed: 120, succeeded: 20, failed: 0, pending: 100 },
  };
}

const batch = (place: BatchSummary['place'], id: number): BatchSummary => ({ place, id, numRequests: 10, status: place === 'local' ? 'local' : 'completed', estimatedCost: 0.01, hasRequests: true });

describe('whether a task has spent money, so that Run asks only before the first spend', () => {
  it('has not while it has only committed requests and formed local batches', () => {
    assert.equal(hasSpent(snapshotWith([], 0, 0)), false);
    assert.equal(hasSpent(snapshotWith([batch('local', 1)], 0, 0)), false);
  });

  it('has once a batch went to the provider, in flight or processed', () => {
    assert.equal(hasSpent(snapshotWith([batch('remote', 1)], 0, 0)), true);
    assert.equal(hasSpent(snapshotWith([batch('processed', 1)], 0.01, 0)), true);
  });

  it('has once it executed direct requests (force_direct), which push no batch', () => {
    assert.equal(hasSpent(snapshotWith([batch('direct', 1), batch('direct', 2)], 0.004, 0)), true);
  });

  it("has not when all it executed direct were a pilot's requests, whose sums may differ in the last bits", () => {
    assert.equal(hasSpent(snapshotWith([batch('direct', 1)], 0.1 + 0.2, 0.3)), false);
  });

  it('has when it executed direct requests besides a pilot', () => {
    assert.equal(hasSpent(snapshotWith([batch('direct', 1), batch('direct', 2)], 0.0031, 0.003)), true);
  });
});
