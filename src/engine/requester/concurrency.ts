import type { BudgetReport, RateLimitReport } from './rateLimitHeaders';

/** Direct requests in flight when a session starts: small, so that an account with low limits is not flooded. */
export const initialConcurrency = 4;
/** Providers state their limits per minute; this is the refill rate assumed until an answer says more. */
const defaultPeriodMs = 60_000;

/** How a sent request ended, as far as pacing is concerned. */
export type PacedOutcome = 'ok' | 'rateLimited' | 'overloaded' | 'other';

/** A request on the wire: when it was sent (and as which, in order) and the tokens it was counted for. */
export interface PacedTicket {
  readonly sentAt: number;
  readonly seq: number;
  readonly tokens: number;
}

/**
 * One provider budget (requests or tokens), modelled as the providers describe it: a bucket of `limit` that refills
 * continuously and is full again after the reported reset time. Every answer's report resets the estimate; in between
 * it refills at the rate the last report implied and is drawn down by what is sent.
 */
class Budget {
  private limit = 0;
  private level = 0;
  private at = 0;
  private perMs = 0;

  /** Whether an answer has reported this budget. */
  get known(): boolean {
    return this.limit > 0;
  }

  /**
   * Takes an answer's report. `onWire` is what the other requests still on the wire were counted for: the report may
   * not include them (one sent earlier may reach the provider later), so they are subtracted; those it did include
   * count twice until the next report.
   */
  sync(report: BudgetReport, onWire: number, now: number): void {
    if (report.limit !== this.limit) this.perMs = report.limit / defaultPeriodMs;
    this.limit = report.limit;
    const spent = report.limit - report.remaining;
    if (report.resetMs !== undefined && report.resetMs > 0 && spent >= 1) this.perMs = spent / report.resetMs;
    this.level = report.remaining - onWire;
    this.at = now;
  }

  available(now: number): number {
    return Math.min(this.limit, this.level + this.perMs * (now - this.at));
  }

  take(amount: number, now: number): void {
    if (!this.known) return;
    this.level = this.available(now) - amount;
    this.at = now;
  }

  /** Milliseconds until `amount` fits (a request larger than the whole budget waits until it is full). */
  msUntil(amount: number, now: number): number {
    if (!this.known) return 0;
    const deficit = Math.min(amount, this.limit) - this.available(now);
    if (deficit <= 0) return 0;
    return this.perMs > 0 ? Math.ceil(deficit / this.perMs) : defaultPeriodMs;
  }
}

/** What the pacer needs around it. */
export interface PacerSettings {
  /** The most requests in flight at once (`direct_concurrency`). */
  ceiling: number;
  clock: () => number;
  /** Receives a line when the level changes notably and when the provider's limits are first seen. */
  log: (message: string) => void;
}

/**
 * Decides how many direct requests may be in flight and when the next one may be sent. The level starts at
 * `initialConcurrency` and grows while answers are healthy and every slot is busy: it doubles per round trip at first
 * and, after the first cut, grows by one per round trip. A 429 or an overloaded answer (5xx, connection failure)
 * halves it, once per round trip, and a Retry-After pauses every request. Sending is paced by the request and token
 * budgets the provider reports in its rate-limit headers, each request counted for its estimated tokens, so a run uses
 * the account's limits without tripping them.
 */
export class DirectPacer {
  private readonly requests = new Budget();
  private readonly tokens = new Budget();
  private level: number;
  private threshold: number;
  private taken = 0;
  private waiting = 0;
  /** The requests sent and not answered yet, oldest first. */
  private readonly onWire: PacedTicket[] = [];
  private sentCount = 0;
  /** The latest request (in sending order) whose answer's report was taken: older reports are stale. */
  private syncedSeq = 0;
  private pausedUntil = 0;
  private lastCutAt = -Infinity;
  private loggedLevel: number;
  private loggedLimits = '';
  private peak: number;

  constructor(private readonly settings: PacerSettings) {
    this.level = Math.min(initialConcurrency, settings.ceiling);
    this.threshold = settings.ceiling;
    this.loggedLevel = this.level;
    this.peak = this.level;
  }

  /** The current level: how many requests may be in flight. */
  get concurrency(): number {
    return Math.max(1, Math.floor(this.level));
  }

  /** Whether any request was sent. */
  get hasSent(): boolean {
    return this.sentCount > 0;
  }

  /** The highest level reached so far. */
  get peakConcurrency(): number {
    return this.peak;
  }

  /** Whether another request may take a slot now. */
  hasSlot(): boolean {
    return this.taken < this.concurrency;
  }

  takeSlot(): void {
    this.taken += 1;
  }

  releaseSlot(): void {
    this.taken -= 1;
  }

  /** Milliseconds until a request of `tokens` estimated tokens may be sent: a pause, or a budget that is spent. */
  waitMs(tokens: number): number {
    const now = this.settings.clock();
    return Math.max(0, this.pausedUntil - now, this.requests.msUntil(1, now), this.tokens.msUntil(tokens, now));
  }

  /**
   * Waits until a request of `tokens` may be sent (sleeping with `sleep`, which may reject, e.g. on an interrupt) and
   * records it as sent: the check and the taking are one step, so that requests woken together never overspend.
   */
  async send(tokens: number, sleep: (ms: number) => Promise<void>): Promise<PacedTicket> {
    for (let wait = this.waitMs(tokens); wait > 0; wait = this.waitMs(tokens)) {
      this.waiting += 1;
      try {
        await sleep(wait);
      } finally {
        this.waiting -= 1;
      }
    }
    return this.sent(tokens);
  }

  /** Records a request going on the wire now. */
  sent(tokens: number): PacedTicket {
    const now = this.settings.clock();
    this.requests.take(1, now);
    this.tokens.take(tokens, now);
    this.sentCount += 1;
    const ticket = { sentAt: now, seq: this.sentCount, tokens };
    this.onWire.push(ticket);
    return ticket;
  }

  /**
   * Records how a sent request ended, with the limits its answer reported and the wait it asked for. A report is taken
   * only if no request sent later was answered first: answers come back out of order, and an older one's report is
   * stale.
   */
  answered(ticket: PacedTicket, outcome: PacedOutcome, limits: RateLimitReport, retryAfterMs: number | undefined): void {
    const now = this.settings.clock();
    const index = this.onWire.indexOf(ticket);
    if (index >= 0) this.onWire.splice(index, 1);
    if (ticket.seq > this.syncedSeq && (limits.requests !== undefined || limits.tokens !== undefined)) {
      this.syncedSeq = ticket.seq;
      if (limits.requests) this.requests.sync(limits.requests, this.onWire.length, now);
      if (limits.tokens) this.tokens.sync(limits.tokens, this.onWire.reduce((sum, t) => sum + t.tokens, 0), now);
      this.logLimits(limits);
    }
    if (retryAfterMs !== undefined && (outcome === 'rateLimited' || outcome === 'overloaded')) this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    if (outcome === 'ok') this.grow();
    else if (outcome !== 'other' && ticket.sentAt > this.lastCutAt) this.cut(outcome, retryAfterMs, now);
  }

  private grow(): void {
    // Only a level that holds requests back is raised: not while the budgets pace them, nor when work runs short.
    if (this.taken < this.concurrency || this.waiting > 0 || this.level >= this.settings.ceiling) return;
    this.level = Math.min(this.settings.ceiling, this.level < this.threshold ? this.level + 1 : this.level + 1 / this.level);
    const now = this.concurrency;
    this.peak = Math.max(this.peak, now);
    if (now >= 2 * this.loggedLevel || (now === this.settings.ceiling && this.loggedLevel !== now)) {
      const ceiling = now === this.settings.ceiling ? ', the direct_concurrency ceiling' : '';
      this.settings.log(`Direct requests: concurrency raised to ${now} in flight (from ${this.loggedLevel}${ceiling}) as answers are healthy`);
      this.loggedLevel = now;
    }
  }

  private cut(outcome: 'rateLimited' | 'overloaded', retryAfterMs: number | undefined, now: number): void {
    const before = this.concurrency;
    this.level = Math.max(1, Math.floor(this.level / 2));
    this.threshold = this.level;
    this.lastCutAt = now;
    const why = outcome === 'rateLimited' ? 'a rate-limit answer (429)' : 'an overloaded provider (5xx or no connection)';
    const pause = retryAfterMs !== undefined && retryAfterMs > 0 ? `; pausing ${(retryAfterMs / 1000).toFixed(1)} s as the provider asks` : '';
    this.settings.log(`Direct requests: concurrency lowered to ${this.concurrency} in flight (from ${before}) after ${why}${pause}`);
    this.loggedLevel = this.concurrency;
  }

  private logLimits(limits: RateLimitReport): void {
    const parts = [limits.requests ? `${limits.requests.limit} requests` : '', limits.tokens ? `${limits.tokens.limit} tokens` : ''].filter((p) => p !== '');
    const text = parts.join(' and ');
    if (text === '' || text === this.loggedLimits) return;
    this.loggedLimits = text;
    this.settings.log(`Direct requests are paced by the provider's rate limits of ${text}`);
  }
}
