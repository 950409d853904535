import type { TokensCost } from '../../shared/requesterState';
import type { QueueTotals, RequesterRecords } from '../db/requesterRecords';
import type { UnitContext } from '../store/unit';
import { batchInputLineOfJson, type CachedRequest, cachedFromStored, type QueuedLine } from './cachedRequest';
import type { RequestCosting } from './costing';

/** How many queued requests are read from the database at a time. */
const pageSize = 1000;

interface QueueMemory {
  unsaved: CachedRequest[];
  takenThrough: number;
  wiped: boolean;
  totals: QueueTotals;
}

/**
 * The committed requests that are in no batch yet, in ID order. They live in the task database and are read in
 * pages, so memory holds a page, not the queue. Requests committed by a unit that has not committed yet (or by a
 * dry run, which never commits) are kept in memory until the database has them.
 */
export class RequestQueue {
  private unsaved: CachedRequest[] = [];
  /** Every request up to this ID has been taken into a batch (the database catches up when that unit commits). */
  private takenThrough = 0;
  /** The database's queue was wiped by a unit that has not committed (or by a dry run). */
  private wiped = false;
  private totals: QueueTotals;

  constructor(
    private readonly records: RequesterRecords,
    private readonly endpoint: string,
    private readonly costing: RequestCosting,
  ) {
    this.totals = records.queueTotals();
  }

  get length(): number {
    return this.totals.count;
  }

  /** UTF-8 bytes of the queued requests' batch input lines. */
  get size(): number {
    return this.totals.size;
  }

  /** The queue's estimate under the current configuration. */
  get tokensCost(): TokensCost {
    return this.costing.tokensCost(this.totals.input_tokens, this.totals.max_output_tokens);
  }

  /** The queued requests from the front, read page by page. */
  iterate(): Generator<CachedRequest> {
    return this.pages(
      (after) => this.records.queuePage(after, pageSize),
      (stored) => cachedFromStored(stored, this.endpoint, this.costing),
    );
  }

  /**
   * The queued requests' batch input lines and estimates from the front, read page by page. Forming a batch of
   * 50,000 requests this way holds their lines, not 50,000 parsed bodies.
   */
  iterateLines(): Generator<QueuedLine> {
    return this.pages(
      (after) => this.records.queueJsonPage(after, pageSize),
      (row) => ({
        id: row.id,
        line: batchInputLineOfJson(row.id, this.endpoint, row.payload),
        size: row.size,
        input_tokens: row.input_tokens,
        max_output_tokens: row.max_output_tokens,
      }),
    );
  }

  /** The stored queue from the front, read with `readPage` and shaped by `shape`, then the requests not yet stored. */
  private *pages<Row extends { id: number }, T>(readPage: (afterId: number) => Row[], shape: (row: Row) => T): Generator<T | CachedRequest> {
    let after = this.takenThrough;
    while (!this.wiped) {
      const page = readPage(after);
      for (const row of page) yield shape(row);
      if (page.length < pageSize) break;
      after = (page.at(-1) as Row).id;
    }
    for (const request of this.unsaved) if (request.id > this.takenThrough) yield request;
  }

  /** Records newly committed requests (staged on the unit by the caller). */
  append(u: UnitContext, requests: readonly CachedRequest[]): void {
    this.guard(u);
    this.unsaved.push(...requests);
    for (const r of requests) this.add(r, 1);
    const ids = new Set(requests.map((r) => r.id));
    u.tx.afterCommit(() => {
      this.unsaved = this.unsaved.filter((r) => !ids.has(r.id));
    });
  }

  /** Removes `front`, the first requests of the queue as `iterate` gave them, from it (the caller stages their new batch). */
  take(u: UnitContext, front: readonly QueuedLine[]): void {
    this.guard(u);
    for (const r of front) this.add(r, -1);
    const last = front.at(-1);
    if (last !== undefined) this.takenThrough = last.id;
  }

  /**
   * Removes requests taken from anywhere in the queue (a pilot's sample) from it; the caller stages their new batch,
   * which takes them out of the stored queue when the unit commits.
   */
  withdraw(u: UnitContext, requests: readonly CachedRequest[]): void {
    this.guard(u);
    for (const r of requests) this.add(r, -1);
    const ids = new Set(requests.map((r) => r.id));
    this.unsaved = this.unsaved.filter((r) => !ids.has(r.id));
  }

  /** Forgets every queued request (the caller stages the deletion). */
  clear(u: UnitContext): void {
    this.guard(u);
    this.unsaved = [];
    this.takenThrough = 0;
    this.wiped = true;
    this.totals = { count: 0, size: 0, input_tokens: 0, max_output_tokens: 0 };
    u.tx.afterCommit(() => {
      this.wiped = false;
    });
  }

  private add(r: QueuedLine, sign: 1 | -1): void {
    const t = this.totals;
    this.totals = {
      count: t.count + sign,
      size: t.size + sign * r.size,
      input_tokens: t.input_tokens + sign * r.input_tokens,
      max_output_tokens: t.max_output_tokens + sign * r.max_output_tokens,
    };
  }

  private readonly guarded = new WeakSet<UnitContext>();
  /** Restores the queue's memory if the unit fails. */
  private guard(u: UnitContext): void {
    if (this.guarded.has(u)) return;
    this.guarded.add(u);
    const saved: QueueMemory = { unsaved: this.unsaved.slice(), takenThrough: this.takenThrough, wiped: this.wiped, totals: this.totals };
    u.rs.onRevert(() => {
      this.unsaved = saved.unsaved;
      this.takenThrough = saved.takenThrough;
      this.wiped = saved.wiped;
      this.totals = saved.totals;
    });
  }
}
