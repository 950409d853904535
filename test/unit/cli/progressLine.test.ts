import assert from 'node:assert/strict';
import { progressText } from '../../../src/cli/progressLine';
import type { TaskSnapshot } from '../../../src/shared/taskSnapshot';

describe('the live progress line', () => {
  it('shows sample counts, the queue, remote batch states with their progress, and the costs', () => {
    const snapshot: TaskSnapshot = {
      name: 'char_codes',
      taskDir: '/t',
      prefix: 'char_codes',
      started: true,
      queuedRequests: 12,
      taskCost: 0.5,
      queuedEstimate: 0.0421,
      olderProcessed: 0,
      samples: { succeeded: 900, failed: 3, pending: 237 },
      batches: [
        { place: 'local', id: 4, numRequests: 60, status: 'local', estimatedCost: 0.01, hasRequests: true },
        { place: 'remote', id: 3, numRequests: 100, status: 'in_progress', completed: 38, failed: 2, estimatedCost: 0.02, hasRequests: true },
        { place: 'processed', id: 2, numRequests: 100, status: 'completed', estimatedCost: 0.02, trueCost: 0.019, hasRequests: false },
      ],
    };
    assert.equal(
      progressText(snapshot, 0.125),
      'char_codes: 900 succeeded, 3 failed, 237 pending | 12 queued, 1 local batches | remote: #3 in_progress 40/100 | cost 0.125 session, 0.500 task, 0.042 queued',
    );
  });
});
