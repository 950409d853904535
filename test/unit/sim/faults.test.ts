import assert from 'node:assert/strict';
import { defaultFaultConfig, FaultDecider, mergeFaults } from '../../../src/sim/faults';
import { formatDuration, RateLimiter } from '../../../src/sim/rateLimiter';

describe('fault configuration and decisions', () => {
  it('merges known faults and rejects unknown keys and out-of-range values by name', () => {
    assert.equal(mergeFaults(defaultFaultConfig, { lineErrorRate: 0.5 }).lineErrorRate, 0.5);
    assert.throws(() => mergeFaults(defaultFaultConfig, { lineErrorRat: 0.5 }), /lineErrorRat/);
    assert.throws(() => mergeFaults(defaultFaultConfig, { serverErrorRate: 2 }), /serverErrorRate/);
    assert.throws(() => mergeFaults(defaultFaultConfig, { lineErrorStatus: 404 }), /lineErrorStatus/);
  });

  it('decides line faults from the seed and the custom_id, at about the configured rate', () => {
    const decider = new FaultDecider(7);
    const ids = Array.from({ length: 2000 }, (_, i) => `id-${i}`);
    const failing = ids.filter((id) => decider.lineFails(0.25, id));
    assert.ok(failing.length > 400 && failing.length < 600, `${failing.length} of 2000`);
    assert.deepEqual(ids.filter((id) => new FaultDecider(7).lineFails(0.25, id)), failing);
    assert.notDeepEqual(ids.filter((id) => new FaultDecider(8).lineFails(0.25, id)), failing);
  });

  it('alternates 500 and 503 for injected server errors', () => {
    const decider = new FaultDecider(1);
    const config = { ...defaultFaultConfig, serverErrorRate: 1 };
    assert.deepEqual([1, 2, 3, 4].map((n) => decider.httpFault(config, n)), [500, 503, 500, 503]);
  });
});

describe('rate limiter', () => {
  const perMinute = (requests: number, tokens: number) => ({ requests, tokens, periodMs: 60_000 });

  it('refuses calls over the requests-per-minute limit until the budget has refilled, at limit per minute', () => {
    const limiter = new RateLimiter();
    const first = limiter.admit(0, 10, perMinute(2, 0));
    assert.equal(first.headers['x-ratelimit-remaining-requests'], '1');
    assert.equal(first.headers['x-ratelimit-reset-requests'], '30s', 'one request refills in 30 s at 2 per minute');
    assert.equal(limiter.admit(1000, 10, perMinute(2, 0)).allowed, true);
    const refused = limiter.admit(2000, 10, perMinute(2, 0));
    assert.equal(refused.allowed, false);
    assert.equal(refused.exceeded, 'requests');
    assert.equal(refused.retryAfterMs, 28_000);
    assert.equal(limiter.admit(29_000, 10, perMinute(2, 0)).allowed, false);
    assert.equal(limiter.admit(30_100, 10, perMinute(2, 0)).allowed, true);
  });

  it('refuses calls over the tokens-per-minute limit', () => {
    const limiter = new RateLimiter();
    assert.equal(limiter.admit(0, 600, perMinute(0, 1000)).allowed, true);
    const refused = limiter.admit(10, 600, perMinute(0, 1000));
    assert.equal(refused.exceeded, 'tokens');
    assert.equal(refused.headers['x-ratelimit-remaining-tokens'], '400');
  });

  it('scales to a shorter period: the same limit per second refills sixty times as fast', () => {
    const limiter = new RateLimiter();
    const perSecond = { requests: 2, tokens: 0, periodMs: 1000 };
    assert.equal(limiter.admit(0, 1, perSecond).allowed, true);
    assert.equal(limiter.admit(0, 1, perSecond).allowed, true);
    assert.equal(limiter.admit(0, 1, perSecond).retryAfterMs, 500);
    assert.equal(limiter.admit(500, 1, perSecond).allowed, true);
  });

  it('formats reset durations like the API', () => {
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(6000), '6s');
    assert.equal(formatDuration(90_000), '1m30s');
  });
});
