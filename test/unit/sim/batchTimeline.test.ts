import assert from 'node:assert/strict';
import { batchMomentAt } from '../../../src/sim/batchTimeline';

const base = { createdAtMs: 10_000, durationMs: 1000, errors: [], expires: false, expireCompletedFraction: 0.5, cancellingAtMs: null };

describe('batch timeline', () => {
  it('goes validating → in_progress → finalizing → completed over the batch duration', () => {
    assert.equal(batchMomentAt(base, 10_050).status, 'validating');
    const early = batchMomentAt(base, 10_200);
    const late = batchMomentAt(base, 10_800);
    assert.equal(early.status, 'in_progress');
    assert.ok(early.doneFraction > 0 && early.doneFraction < late.doneFraction);
    assert.equal(batchMomentAt(base, 10_950).status, 'finalizing');
    const done = batchMomentAt(base, 11_000);
    assert.equal(done.status, 'completed');
    assert.equal(done.doneFraction, 1);
    assert.ok(done.inProgressAtMs !== null && done.finalizingAtMs !== null && done.completedAtMs === 11_000);
  });

  it('fails after validating when the input has errors', () => {
    const failing = { ...base, errors: [{ code: 'empty_file', message: 'empty', param: null, line: null }] };
    assert.equal(batchMomentAt(failing, 10_050).status, 'validating');
    const failed = batchMomentAt(failing, 10_500);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.failedAtMs, 10_100);
  });

  it('expires at the end with only the configured share done', () => {
    const expiring = { ...base, expires: true, expireCompletedFraction: 0.4 };
    assert.equal(batchMomentAt(expiring, 10_950).status, 'in_progress');
    const expired = batchMomentAt(expiring, 11_000);
    assert.equal(expired.status, 'expired');
    assert.equal(expired.doneFraction, 0.4);
  });

  it('is cancelling right after a cancel, then cancelled, keeping the progress made until the cancel', () => {
    const cancelled = { ...base, cancellingAtMs: 10_500 };
    const cancelling = batchMomentAt(cancelled, 10_550);
    assert.equal(cancelling.status, 'cancelling');
    const end = batchMomentAt(cancelled, 10_700);
    assert.equal(end.status, 'cancelled');
    assert.equal(end.doneFraction, batchMomentAt(base, 10_500).doneFraction);
  });
});
