import assert from 'node:assert/strict';
import { finalizingPollSeconds, maxShortPolls, PollCadence, shortPollSeconds } from '../../../src/engine/requester/pollCadence';

const nowMs = 1_000_000_000;
const nowSeconds = nowMs / 1000;

function batch(status: string, extra: Record<string, unknown> = {}) {
  return { id: 'batch_1', status, input_file_id: 'file_1', created_at: nowSeconds - 100, ...extra };
}

/** A batch in progress for `elapsed` seconds with `done` of `total` requests done. */
function inProgress(elapsed: number, done: number, total: number) {
  return batch('in_progress', { in_progress_at: nowSeconds - elapsed, request_counts: { total, completed: done, failed: 0 } });
}

describe('poll cadence while waiting for remote batches', () => {
  it('backs off from 0.5 s by 1.5 times per poll up to remote_update_interval while no end can be foreseen', () => {
    const cadence = new PollCadence(10);
    const delays = Array.from({ length: 9 }, () => cadence.next([batch('validating')], nowMs).seconds);
    assert.deepEqual(delays, [0.5, 0.75, 1.125, 1.6875, 2.53125, 3.796875, 5.6953125, 8.54296875, 10]);
  });

  it('waits half the time left to the expected end, but never longer than the back-off', () => {
    const cadence = new PollCadence(600);
    for (let i = 0; i < 20; i += 1) cadence.next([], nowMs);
    // 100 of 1,000 requests in 60 s: 540 s left.
    const far = cadence.next([inProgress(60, 100, 1000)], nowMs);
    assert.equal(far.seconds, 270);
    assert.match(far.reason, /remote batch batch_1 expected to finish in 540\.0 s/);
    // 900 of 1,000 in 90 s: 10 s left.
    assert.equal(cadence.next([inProgress(90, 900, 1000)], nowMs).seconds, 5);
    assert.equal(new PollCadence(600).next([inProgress(90, 900, 1000)], nowMs).seconds, 0.5, 'the first polls are fast anyway');
  });

  it('polls at the short interval once the end is near, when all requests are done, and while finalizing', () => {
    const cadence = new PollCadence(60);
    for (let i = 0; i < 20; i += 1) cadence.next([], nowMs);
    assert.equal(cadence.next([inProgress(100, 990, 1000)], nowMs).seconds, shortPollSeconds);
    assert.equal(cadence.next([inProgress(100, 1000, 1000)], nowMs).seconds, shortPollSeconds);
    const finalizing = cadence.next([batch('finalizing')], nowMs);
    assert.equal(finalizing.seconds, shortPollSeconds);
    assert.match(finalizing.reason, /expected to finish now/);
  });

  it('follows the soonest of several batches', () => {
    const cadence = new PollCadence(60);
    for (let i = 0; i < 20; i += 1) cadence.next([], nowMs);
    const next = cadence.next([batch('validating'), { ...inProgress(10, 1, 100), id: 'batch_far' }, { ...inProgress(40, 80, 100), id: 'batch_near' }], nowMs);
    assert.equal(next.seconds, 5);
    assert.match(next.reason, /batch_near/);
  });

  it(`does not hammer a batch stuck at its end: after ${maxShortPolls} short polls in a row the back-off rules`, () => {
    const cadence = new PollCadence(60);
    for (let i = 0; i < 20; i += 1) cadence.next([], nowMs);
    const stuck = [inProgress(100, 1000, 1000)];
    const delays = Array.from({ length: maxShortPolls + 3 }, () => cadence.next(stuck, nowMs).seconds);
    assert.deepEqual(delays.slice(0, maxShortPolls), Array(maxShortPolls).fill(shortPollSeconds));
    assert.deepEqual(delays.slice(maxShortPolls), [60, 60, 60]);
  });

  it(`keeps polling a finalizing batch every ${finalizingPollSeconds} s after the short polls, so its completion is seen within that time`, () => {
    const cadence = new PollCadence(60);
    for (let i = 0; i < 20; i += 1) cadence.next([], nowMs);
    const finalizing = [batch('validating', { id: 'batch_early' }), batch('finalizing')];
    const polls = Array.from({ length: maxShortPolls + 3 }, () => cadence.next(finalizing, nowMs));
    assert.deepEqual(
      polls.map((p) => p.seconds),
      [...Array(maxShortPolls).fill(shortPollSeconds), finalizingPollSeconds, finalizingPollSeconds, finalizingPollSeconds],
    );
    assert.equal(polls[maxShortPolls]?.reason, 'remote batch batch_1 is finalizing');
    assert.equal(new PollCadence(60).next(finalizing, nowMs).seconds, 0.5, 'a shorter back-off still wins');
  });

  it('ignores progress it cannot read: no counts, nothing done yet, no in_progress_at', () => {
    for (const unreadable of [batch('in_progress', { in_progress_at: nowSeconds - 5 }), inProgress(5, 0, 100), batch('in_progress', { request_counts: { total: 10, completed: 5 } })]) {
      const cadence = new PollCadence(60);
      for (let i = 0; i < 20; i += 1) cadence.next([], nowMs);
      assert.deepEqual(cadence.next([unreadable], nowMs), { seconds: 60, reason: 'back-off' });
    }
  });
});
