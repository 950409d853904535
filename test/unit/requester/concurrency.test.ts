import assert from 'node:assert/strict';
import { DirectPacer, initialConcurrency, type PacedOutcome, type PacedTicket } from '../../../src/engine/requester/concurrency';
import { parseResetDuration, readRateLimits, retryAfterMs } from '../../../src/engine/requester/rateLimitHeaders';

/** A pacer on a hand-driven clock, with its log lines. */
function pacerOf(ceiling: number) {
  const clock = { now: 1_000_000 };
  const log: string[] = [];
  const pacer = new DirectPacer({ ceiling, clock: () => clock.now, log: (line) => log.push(line) });
  return { pacer, clock, log };
}

/**
 * One round trip at the current level: fills every slot, then answers as many requests as were in flight with
 * `outcome`, each slot taken again at once as the engine does.
 */
function roundTrip(pacer: DirectPacer, outcome: PacedOutcome = 'ok', headers: Headers = new Headers()): void {
  const tickets: PacedTicket[] = [];
  const fill = () => {
    while (pacer.hasSlot()) {
      pacer.takeSlot();
      tickets.push(pacer.sent(10));
    }
  };
  fill();
  const count = tickets.length;
  for (let i = 0; i < count; i += 1) {
    pacer.answered(tickets.shift() as PacedTicket, outcome, readRateLimits(headers, 0), retryAfterMs(headers, 0));
    pacer.releaseSlot();
    fill();
  }
  for (const _ of tickets) pacer.releaseSlot();
}

describe('direct request pacing', () => {
  it('starts small and doubles per round trip of healthy answers up to the direct_concurrency ceiling, logging the doublings', () => {
    const { pacer, log } = pacerOf(64);
    assert.equal(pacer.concurrency, initialConcurrency);
    const levels: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      roundTrip(pacer);
      levels.push(pacer.concurrency);
    }
    assert.deepEqual(levels, [8, 16, 32, 64, 64, 64]);
    assert.equal(log.length, 4, log.join('\n'));
    assert.match(log.at(-1) ?? '', /concurrency raised to 64 in flight \(from 32, the direct_concurrency ceiling\)/);
  });

  it('never starts above a ceiling lower than the initial level', () => {
    assert.equal(pacerOf(2).pacer.concurrency, 2);
  });

  it('does not grow while slots stand idle (too little work, or the rate budget holds requests back)', () => {
    const { pacer } = pacerOf(64);
    pacer.takeSlot();
    pacer.answered(pacer.sent(10), 'ok', {}, undefined);
    pacer.releaseSlot();
    assert.equal(pacer.concurrency, initialConcurrency);
  });

  it('halves on a 429 once per round trip, pauses for its Retry-After, then grows again by about one per round trip', () => {
    const { pacer, clock, log } = pacerOf(256);
    for (let i = 0; i < 3; i += 1) roundTrip(pacer);
    assert.equal(pacer.concurrency, 32);
    clock.now += 1;
    roundTrip(pacer, 'rateLimited', new Headers({ 'retry-after-ms': '1500' }));
    assert.equal(pacer.concurrency, 16, 'a burst of 32 refusals of the same round trip cuts once');
    assert.equal(pacer.waitMs(10), 1500);
    assert.match(log.at(-1) ?? '', /concurrency lowered to 16 in flight \(from 32\) after a rate-limit answer \(429\); pausing 1\.5 s/);
    clock.now += 1500;
    assert.equal(pacer.waitMs(10), 0);
    const levels: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      roundTrip(pacer);
      levels.push(pacer.concurrency);
    }
    assert.deepEqual(levels, [16, 17, 18]);
  });

  it('halves on overloaded answers too, but not on other failures', () => {
    const { pacer, clock } = pacerOf(256);
    roundTrip(pacer);
    clock.now += 1;
    roundTrip(pacer, 'other');
    assert.equal(pacer.concurrency, 8);
    roundTrip(pacer, 'overloaded');
    assert.equal(pacer.concurrency, 4);
  });

  it('paces by the reported request budget: spent, the next request waits until one refills at the reported rate', () => {
    const { pacer, clock, log } = pacerOf(256);
    pacer.takeSlot();
    // 600 requests per minute: one refills every 100 ms; the reset says 10 spent refill in 1 s.
    const headers = new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '2', 'x-ratelimit-reset-requests': '59.8s' });
    pacer.answered(pacer.sent(10), 'ok', readRateLimits(headers, clock.now), undefined);
    assert.match(log.join('\n'), /paced by the provider's rate limits of 600 requests/);
    assert.equal(pacer.waitMs(10), 0);
    pacer.sent(10);
    pacer.sent(10);
    assert.equal(pacer.waitMs(10), 100);
    clock.now += 100;
    assert.equal(pacer.waitMs(10), 0);
  });

  it('counts each request for its estimated tokens against the reported token budget', () => {
    const { pacer, clock } = pacerOf(256);
    pacer.takeSlot();
    const headers = new Headers({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '1500', 'x-ratelimit-reset-tokens': '58.5s' });
    pacer.answered(pacer.sent(500), 'ok', readRateLimits(headers, clock.now), undefined);
    pacer.sent(1000);
    assert.equal(pacer.waitMs(400), 0);
    assert.equal(pacer.waitMs(1000), 500, '500 tokens short at 1000 tokens per second');
  });

  it('subtracts what is still in flight from a reported budget, which may not count it yet', () => {
    const { pacer, clock } = pacerOf(256);
    const first = pacer.sent(10);
    pacer.sent(10);
    pacer.sent(10);
    const headers = new Headers({ 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '57s' });
    pacer.answered(first, 'ok', readRateLimits(headers, clock.now), undefined);
    assert.equal(pacer.waitMs(1), 0);
    pacer.sent(10);
    assert.equal(pacer.waitMs(1), 1000);
  });

  it('ignores the report of an answer that comes back after one sent later: it is stale', () => {
    const { pacer, clock } = pacerOf(256);
    const report = (remaining: number) => readRateLimits(new Headers({ 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': String(remaining), 'x-ratelimit-reset-requests': '1m' }), 0);
    const slow = pacer.sent(10);
    const fast = pacer.sent(10);
    pacer.answered(fast, 'ok', report(0), undefined);
    pacer.answered(slow, 'ok', report(50), undefined);
    // The later report said the budget is spent (and the slow request, then on the wire, may add to it).
    assert.equal(pacer.waitMs(10), 2000, 'the budget is the one the later request reported, not the stale one');
    clock.now += 2000;
    assert.equal(pacer.waitMs(10), 0);
  });
});

describe('rate-limit headers', () => {
  it('parses OpenAI reset durations', () => {
    assert.equal(parseResetDuration('6m0s'), 360_000);
    assert.equal(parseResetDuration('1s'), 1000);
    assert.equal(parseResetDuration('20ms'), 20);
    assert.equal(parseResetDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseResetDuration(null), 0);
  });

  it("reads OpenAI's and Anthropic's budgets, and ignores what is missing or malformed", () => {
    const openai = readRateLimits(
      new Headers({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '499', 'x-ratelimit-reset-requests': '120ms', 'x-ratelimit-limit-tokens': 'lots' }),
      0,
    );
    assert.deepEqual(openai, { requests: { limit: 500, remaining: 499, resetMs: 120 } });
    const now = Date.parse('2026-12-04T18:00:00Z');
    const anthropic = readRateLimits(
      new Headers({
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-requests-reset': '2026-12-04T18:00:01Z',
        'anthropic-ratelimit-tokens-limit': '40000',
        'anthropic-ratelimit-tokens-remaining': '39000',
        'anthropic-ratelimit-tokens-reset': '2026-12-04T18:00:02Z',
      }),
      now,
    );
    assert.deepEqual(anthropic, { requests: { limit: 50, remaining: 49, resetMs: 1000 }, tokens: { limit: 40000, remaining: 39000, resetMs: 2000 } });
    assert.deepEqual(readRateLimits(new Headers(), 0), {});
  });

  it('reads retry-after-ms before retry-after, in seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '1' }), 0), 250);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2' }), 0), 2000);
    const now = Date.parse('2026-12-04T18:00:00Z');
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Fri, 04 Dec 2026 18:00:03 GMT' }), now), 3000);
    assert.equal(retryAfterMs(new Headers(), 0), undefined);
    assert.equal(retryAfterMs(undefined, 0), undefined);
  });
});
