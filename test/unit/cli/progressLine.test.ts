import assert from 'node:assert/strict';
import { formatEta, progressText, type RunStart } from '../../../src/cli/progressLine';
import type { TaskEvent } from '../../../src/shared/taskEvent';

const minute = 60_000;

function snapshotWith(samples: TaskEvent['samples'], batches: TaskEvent['batches'] = [], sessionCost = 0): TaskEvent {
  return { task: 'char_codes', seq: 1, atMs: 0, queuedRequests: 12, cost: { session: sessionCost, task: 0.5, queued: 0.0421 }, processedBatches: 2, caps: [], samples, batches };
}

describe('the live progress line', () => {
  it('shows progress, sample counts, the queue, remote batch states with their request counts, and the costs', () => {
    const snapshot = snapshotWith(
      { committed: 1140, succeeded: 900, failed: 3, pending: 237 },
      [
        { place: 'remote', id: 3, numRequests: 100, status: 'in_progress', completed: 38, failed: 2, estimatedCost: 0.02 },
        { place: 'local', id: 4, numRequests: 60, status: 'local', estimatedCost: 0.01 },
        { place: 'remote', id: 5, numRequests: 80, status: 'validating', estimatedCost: 0.02 },
      ],
      0.125,
    );
    const start: RunStart = { atMs: 0, finished: 603 };
    assert.equal(
      progressText(snapshot, start, 10 * minute),
      'char_codes: 79.2% (903/1140), ETA 7m 54s | 900 succeeded, 3 failed, 237 pending | 12 queued, 1 local batches | ' +
        'remote: #3 in_progress 40/100, #5 validating | cost 0.125 session, 0.500 task, 0.042 queued',
    );
  });

  it('shows how many direct requests may be in flight once the run sends them', () => {
    const snapshot = { ...snapshotWith({ committed: 1140, succeeded: 100, failed: 0, pending: 1040 }), directConcurrency: 32 };
    assert.match(progressText(snapshot, { atMs: 0, finished: 0 }, minute), /\| remote: none \| direct: 32 in flight \| cost /);
  });

  it('says "ETA —" until a sample has finished in this run, and counts a sample that succeeded and failed once', () => {
    const snapshot = snapshotWith({ committed: 500, succeeded: 120, failed: 10, pending: 375 });
    const start: RunStart = { atMs: 5 * minute, finished: 125 };
    assert.match(progressText(snapshot, start, 5 * minute), /^char_codes: 25\.0% \(125\/500\), ETA — \|/);
    assert.match(progressText(snapshot, start, 65 * minute), /^char_codes: 25\.0% \(125\/500\), ETA — \|/);
    const later = snapshotWith({ committed: 500, succeeded: 245, failed: 10, pending: 250 });
    assert.match(progressText(later, start, 65 * minute), /^char_codes: 50\.0% \(250\/500\), ETA 2h 00m \|/);
  });

  it('shows no share before any sample is committed', () => {
    const snapshot = snapshotWith({ committed: 0, succeeded: 0, failed: 0, pending: 0 });
    assert.match(progressText(snapshot, { atMs: 0, finished: 0 }, minute), /^char_codes: no samples yet, ETA — \| 0 succeeded/);
  });

  it('formats the time left to the second under an hour and to the minute beyond', () => {
    assert.deepEqual([formatEta(0), formatEta(45.4), formatEta(725), formatEta(3 * 3600 + 7 * 60 + 20), formatEta(52 * 3600 + 10)], ['0s', '45s', '12m 05s', '3h 07m', '2d 04h']);
  });
});
