import path from 'node:path';
import {
  type BatchInputLine,
  batchInputLineSchema,
  isBatchInputLine,
  batchStateSchema,
  type BatchState,
  directUpdatedReason,
  type HistoryEntry,
  requesterStateSchema,
  type RequesterState,
  type RequestInfo,
  type TokensCost,
} from '../../shared/requesterState';
import { CorruptedStateError } from '../../shared/errors';
import { readJsonlLines } from '../store/load';
import type { Transaction } from '../store/fileStore';
import { zeroApiMetrics, zeroPushStats, costBatch, costDirect } from '../requester/accounting';
import { type CachedRequest, idOfCustomId, payloadJsonOfLine } from '../requester/cachedRequest';
import type { ResultInfo } from '../requester/results';
import type { TaskDb } from './taskDb';
import { parseJsonColumn } from './json';
import { multiRowStatement, runMultiRow } from './multiRow';
import { resultColumns, type StoredAnswer, storedAnswerOfRow } from './storedResult';

/** A queued or batched request as stored, with the token counts it was committed with. */
export interface StoredRequest {
  id: number;
  payload: Record<string, unknown>;
  meta: Record<string, unknown> | null;
  retry_num: number;
  parse_info: Record<string, unknown> | null;
  input_tokens: number;
  max_output_tokens: number;
}

/** A batch's request as read back for processing or direct execution. */
export interface BatchRequest {
  id: number;
  payload: Record<string, unknown>;
  size: number;
  info: RequestInfo;
  /** The token counts stored when the request was committed (they depend on its body only). */
  counts: { inputTokens: number; maxOutputTokens: number };
}

/** A queued request as stored: its body as JSON text, its size and token counts. */
export interface QueuedJson {
  id: number;
  payload: string;
  input_tokens: number;
  max_output_tokens: number;
  size: number;
}

export interface QueueTotals {
  count: number;
  size: number;
  input_tokens: number;
  max_output_tokens: number;
}

type RequestRow = {
  id: number;
  payload: string;
  meta: string | null;
  retry_num: number;
  parse_info: string | null;
  input_tokens: number;
  max_output_tokens: number;
  size: number;
  tokens_cost: string | null;
};

/** What processing a batch reads of its requests' rows. */
type BatchRequestRow = Pick<RequestRow, 'id' | 'meta' | 'retry_num' | 'parse_info' | 'tokens_cost' | 'input_tokens' | 'max_output_tokens'>;

const requestColumns = 'id, payload, meta, retry_num, parse_info, input_tokens, max_output_tokens, size, tokens_cost';

/** The sample a request belongs to, by the `sample_key` convention of the meta; null if it names none. */
export function sampleKeyOf(meta: Record<string, unknown> | null): string | null {
  const key = meta?.sample_key;
  return typeof key === 'string' || typeof key === 'number' ? String(key) : null;
}

/**
 * The requester's records in the task database (engine.md 2, in our own layout): its counters, the batches, the
 * committed requests (the queue is the requests in no batch) and every result. Reads see the last commit; writes
 * are staged on a unit's transaction.
 */
export class RequesterRecords {
  constructor(
    readonly db: TaskDb,
    readonly dir: string,
    readonly prefix: string,
  ) {}

  /** A new batch's input file name, timestamped like `P_batch7_20260101_120000_123456.jsonl`. */
  batchPath(id: number, date: Date): string {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}_${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}_${p(date.getMilliseconds() * 1000, 6)}`;
    return path.join(this.dir, `${this.prefix}_batch${id}_${stamp}.jsonl`);
  }

  static freshState(endpoint: string): RequesterState {
    return {
      version: 1,
      endpoint,
      max_request_id: 0,
      max_batch_id: 0,
      max_direct_batch_id: 0,
      batches: [],
      task_push_stats: zeroPushStats(),
      metrics: { direct: zeroApiMetrics(), batch: zeroApiMetrics(), all: zeroApiMetrics() },
      num_pass_failures: 0,
    };
  }

  /** The counters and the active batches; undefined if the requester never saved. */
  loadState(): RequesterState | undefined {
    const row = this.db.get<{ state: string }>('SELECT state FROM requester');
    if (row === undefined) return undefined;
    const counters = parseJsonColumn(this.db.file, 'requester.state', row.state) as Record<string, unknown>;
    const batches = this.db
      .all<{ id: number; record: string }>("SELECT id, record FROM batches WHERE kind = 'batch' AND place IN ('local', 'remote') ORDER BY id")
      .map((b) => this.parse(`batch ${b.id}`, b.record, batchStateSchema));
    return this.parse('requester state', JSON.stringify({ ...counters, batches }), requesterStateSchema);
  }

  /** Stages the counters and the active batches (a handful of rows, whatever the size of the task); `now` in seconds. */
  saveState(tx: Transaction, state: RequesterState, now: number): void {
    const { batches, ...counters } = state;
    const counterText = JSON.stringify(counters);
    const records = batches.map((b) => ({ b, record: JSON.stringify(b) }));
    tx.sql((db) => {
      db.run('INSERT INTO requester (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state', counterText);
      db.run("DELETE FROM batches WHERE kind = 'batch' AND place IN ('local', 'remote')");
      for (const { b, record } of records) {
        db.run(
          "INSERT INTO batches (kind, id, place, remote_batch_id, status, num_requests, estimated_cost, created_at, record) VALUES ('batch', ?, ?, ?, ?, ?, ?, ?, ?)",
          b.id,
          b.remote === null ? 'local' : 'remote',
          b.remote?.batch.id ?? null,
          b.remote?.batch.status ?? (b.push !== null ? 'pushing' : 'local'),
          b.num_requests,
          costBatch(b.tokens_cost),
          b.remote?.batch.created_at ?? now,
          record,
        );
      }
    });
  }

  /** Stages newly committed requests (the queue's new tail). */
  insertRequests(tx: Transaction, requests: readonly CachedRequest[]): void {
    const rows = requests.map((r) => [r.id, sampleKeyOf(r.meta), r.retry_num, payloadJsonOfLine(r.line), json(r.meta), json(r.parse_info), r.input_tokens, r.max_output_tokens, r.size] as const);
    tx.sql((db) => {
      for (const row of rows) {
        db.run(
          'INSERT INTO requests (id, sample_key, retry_num, payload, meta, parse_info, input_tokens, max_output_tokens, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          ...row,
        );
      }
    });
  }

  /** Stages committed requests joining a local batch, with the estimate frozen at its formation. */
  assignToBatch<T extends { id: number }>(tx: Transaction, batchId: number, requests: readonly T[], tokensCostOf: (request: T) => TokensCost): void {
    // Each estimate is made when the statement runs, so none of them outlives its own row.
    tx.sql((db) => {
      for (const r of requests) db.run("UPDATE requests SET batch_kind = 'batch', batch_id = ?, tokens_cost = ? WHERE id = ?", batchId, JSON.stringify(tokensCostOf(r)), r.id);
    });
  }

  /**
   * Stages requests joining a batch (or a direct virtual batch), inserting those that were never committed (retries
   * made by a direct batch, and requests a task executes directly).
   */
  assignRequests(tx: Transaction, kind: 'batch' | 'direct', batchId: number | null, requests: readonly CachedRequest[]): void {
    const estimates = requests.map((r) => JSON.stringify(r.tokens_cost));
    tx.sql((db) => {
      requests.forEach((r, index) => {
        const estimate = estimates[index] as string;
        // Most requests are committed already: their row changes in three columns, and only the others need their body as JSON.
        if (db.run('UPDATE requests SET batch_kind = ?, batch_id = ?, tokens_cost = ? WHERE id = ?', kind, batchId, estimate, r.id).changes > 0) return;
        db.run(
          `INSERT INTO requests (id, batch_kind, batch_id, sample_key, retry_num, payload, meta, parse_info, input_tokens, max_output_tokens, size, tokens_cost)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          r.id,
          kind,
          batchId,
          sampleKeyOf(r.meta),
          r.retry_num,
          payloadJsonOfLine(r.line),
          json(r.meta),
          json(r.parse_info),
          r.input_tokens,
          r.max_output_tokens,
          r.size,
          estimate,
        );
      });
    });
  }

  /** Stages a forgotten batch's requests going back to the queue, their frozen estimates dropped (null while queued). */
  requeueBatch(tx: Transaction, batchId: number): void {
    tx.sql((db) => db.run("UPDATE requests SET batch_kind = NULL, batch_id = NULL, tokens_cost = NULL WHERE batch_kind = 'batch' AND batch_id = ?", batchId));
  }

  /** The queued requests after `afterId` in ID order, at most `limit`. */
  queuePage(afterId: number, limit: number): StoredRequest[] {
    return this.db.all<RequestRow>(`SELECT ${requestColumns} FROM requests WHERE batch_id IS NULL AND id > ? ORDER BY id LIMIT ?`, afterId, limit).map((row) => this.storedRequest(row));
  }

  /** Like `queuePage`, with each body left as the JSON text it is stored as. */
  queueJsonPage(afterId: number, limit: number): QueuedJson[] {
    return this.db.all<QueuedJson>('SELECT id, payload, input_tokens, max_output_tokens, size FROM requests WHERE batch_id IS NULL AND id > ? ORDER BY id LIMIT ?', afterId, limit);
  }

  queueTotals(): QueueTotals {
    const row = this.db.get<QueueTotals>(
      'SELECT count(*) AS count, coalesce(sum(size), 0) AS size, coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(max_output_tokens), 0) AS max_output_tokens FROM requests WHERE batch_id IS NULL',
    );
    return row ?? { count: 0, size: 0, input_tokens: 0, max_output_tokens: 0 };
  }

  /**
   * A local batch's requests with their frozen estimates, checked against its input file (engine.md 2.4): URL,
   * custom IDs, the count, the sizes and the ID set; any disagreement is a corrupted-state error naming the file.
   * The file of a batch partly executed through the direct API also holds the lines of the requests executed since
   * (they were never taken out, see unpushableBatches.ts): lines of requests the batch no longer holds are skipped.
   */
  async loadBatchRequests(batch: BatchState, endpoint: string): Promise<BatchRequest[]> {
    // The payloads come from the batch file, which is what the provider answered; the rows give the rest.
    const rows = this.db.all<BatchRequestRow>(
      `SELECT id, meta, retry_num, parse_info, tokens_cost, input_tokens, max_output_tokens FROM requests WHERE batch_kind = 'batch' AND batch_id = ? ORDER BY id`,
      batch.id,
    );
    const fail = (what: string) => new CorruptedStateError(batch.local_jsonl, `${batch.local_jsonl}: ${what} (batch ${batch.id})`);
    const mayHoldExecuted = batch.reasons.includes(directUpdatedReason);
    const kept: { line: number; value: BatchInputLine; size: number; row: BatchRequestRow }[] = [];
    let lines = 0;
    let previousId = 0;
    for await (const line of readJsonlLines(batch.local_jsonl, batchInputLineSchema, isBatchInputLine)) {
      lines = line.line;
      const id = idOfCustomId(line.value.custom_id);
      const row = rows[kept.length];
      const executed = id !== undefined && mayHoldExecuted && id > previousId && (row === undefined || id < row.id);
      if (id === undefined || (row?.id !== id && !executed)) {
        throw fail(`line ${line.line} has custom_id '${line.value.custom_id}', which is not the batch's request ${row?.id ?? '(none left)'}`);
      }
      if (!executed) kept.push({ ...line, row: row as BatchRequestRow });
      previousId = id;
    }
    if (kept.length !== batch.num_requests || rows.length !== batch.num_requests) {
      const executed = lines > kept.length ? ` (besides ${lines - kept.length} executed directly)` : '';
      throw fail(`holds ${kept.length} requests${executed} and the task database ${rows.length}, but the batch records ${batch.num_requests}`);
    }
    let totalSize = 0;
    const out: BatchRequest[] = [];
    for (const { line: lineNumber, value: line, size, row } of kept) {
      const id = row.id;
      if (line.url !== endpoint) throw fail(`line ${lineNumber} is for endpoint '${line.url}', not '${endpoint}'`);
      totalSize += size;
      const tokensCost = this.objectColumn(row, 'tokens_cost') as TokensCost | null;
      if (tokensCost === null) throw fail(`request ${id} has no frozen estimate in the task database`);
      out.push({
        id,
        payload: line.body,
        size,
        info: { id, meta: this.objectColumn(row, 'meta'), retry_num: row.retry_num, tokens_cost: tokensCost, parse_info: this.objectColumn(row, 'parse_info') },
        counts: { inputTokens: row.input_tokens, maxOutputTokens: row.max_output_tokens },
      });
    }
    if (totalSize !== batch.local_jsonl_size) throw fail(`the requests take ${totalSize} bytes but the batch records ${batch.local_jsonl_size}`);
    return out;
  }

  /** When (seconds) the task's remote batches created at or after `since` (seconds) were created, oldest first. */
  remoteBatchCreationTimes(since: number): number[] {
    return this.db
      .all<{ created_at: number }>("SELECT created_at FROM batches WHERE kind = 'batch' AND remote_batch_id IS NOT NULL AND created_at >= ? ORDER BY created_at", since)
      .map((row) => row.created_at);
  }

  /** The model named by the first request of a batch; undefined if it names none. */
  batchModel(batchId: number): string | undefined {
    const row = this.db.get<{ model: unknown }>("SELECT json_extract(payload, '$.model') AS model FROM requests WHERE batch_kind = 'batch' AND batch_id = ? ORDER BY id LIMIT 1", batchId);
    return typeof row?.model === 'string' ? row.model : undefined;
  }

  /** Whether any batch of the Batch API was processed (and so may have left its upload behind after a crash). */
  hasProcessedBatches(): boolean {
    return this.db.get("SELECT 1 FROM batches WHERE kind = 'batch' AND place = 'processed' LIMIT 1") !== undefined;
  }

  /** Stages a processed batch's record (it stays queryable, with its requests and their results). */
  recordProcessed(tx: Transaction, entry: HistoryEntry): void {
    const record = JSON.stringify(entry);
    const estimate = entry.kind === 'direct' ? costDirect(entry.tokens_cost) : costBatch(entry.tokens_cost);
    tx.sql((db) => {
      db.run(
        `INSERT INTO batches (kind, id, place, remote_batch_id, status, num_requests, estimated_cost, true_cost, created_at, processed_seq, record)
         VALUES (?, ?, 'processed', ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(processed_seq), 0) + 1 FROM batches), ?)
         ON CONFLICT (kind, id) DO UPDATE SET place = 'processed', remote_batch_id = excluded.remote_batch_id, status = excluded.status,
           num_requests = excluded.num_requests, estimated_cost = excluded.estimated_cost, true_cost = excluded.true_cost,
           processed_seq = excluded.processed_seq, record = excluded.record`,
        entry.kind,
        entry.id,
        entry.kind === 'batch' ? entry.remote_batch_id : null,
        entry.status,
        entry.num_requests,
        estimate,
        entry.true_cost,
        entry.created_at,
        record,
      );
    });
  }

  /**
   * Stages the processed results of a batch: what each request got, as the task saw it. Each result is serialised as
   * its statement runs at the commit, so that a large batch's rows never sit in memory all at once: the results must
   * not change once staged (the task's processing of them is over).
   */
  recordResults(tx: Transaction, results: readonly ResultInfo[], processedAt: number): void {
    tx.sql((db) =>
      runMultiRow(db, upsertResultsSql, results, (x) => [x.req_id, outcomeOf(x), ...resultColumns(x), processedAt]),
    );
  }

  /**
   * Stores direct answers as soon as they arrive, in one transaction of their own: an interrupted virtual batch
   * then resumes from them instead of paying for them again. Not in dry run (the caller checks).
   */
  storeAnswers(results: readonly ResultInfo[], answeredAt: number): void {
    this.db.transaction(() => {
      for (const x of results) {
        this.db.run(
          'INSERT OR REPLACE INTO results (request_id, processed, outcome, finish_reason, cut_short, refused, usage, result, answered_at) VALUES (?, 0, NULL, ?, ?, ?, ?, ?, ?)',
          x.req_id,
          ...resultColumns(x),
          answeredAt,
        );
      }
    });
  }

  /** Stored answers that no virtual batch processed yet, for the given request IDs. */
  storedAnswers(ids: readonly number[]): Map<number, StoredAnswer> {
    const out = new Map<number, StoredAnswer>();
    for (let start = 0; start < ids.length; start += 500) {
      const chunk = ids.slice(start, start + 500);
      const rows = this.db.all<{ request_id: number; result: string; usage: string | null }>(
        `SELECT request_id, result, usage FROM results WHERE processed = 0 AND request_id IN (${chunk.map(() => '?').join(', ')})`,
        ...chunk,
      );
      for (const row of rows) out.set(row.request_id, storedAnswerOfRow(this.db.file, row.request_id, row.result, row.usage));
    }
    return out;
  }

  /** Stages forgetting every request that is queued or in an active batch, with their unprocessed answers. */
  wipeActive(tx: Transaction): void {
    tx.sql((db) => {
      db.run("DELETE FROM results WHERE processed = 0 OR request_id IN (SELECT r.id FROM requests r JOIN batches b ON b.kind = r.batch_kind AND b.id = r.batch_id WHERE b.place <> 'processed')");
      db.run("DELETE FROM requests WHERE batch_id IS NULL OR (batch_kind = 'batch' AND batch_id IN (SELECT id FROM batches WHERE kind = 'batch' AND place <> 'processed'))");
    });
  }

  /** Stages forgetting everything the requester recorded. */
  wipeAll(tx: Transaction): void {
    tx.sql((db) => {
      db.run('DELETE FROM results');
      db.run('DELETE FROM requests');
      db.run('DELETE FROM batches');
      db.run('DELETE FROM requester');
    });
  }

  private objectColumn(row: BatchRequestRow, name: 'meta' | 'parse_info' | 'tokens_cost'): Record<string, unknown> | null {
    const text = row[name];
    return text === null ? null : (parseJsonColumn(this.db.file, `requests.${name} of request ${row.id}`, text) as Record<string, unknown>);
  }

  private storedRequest(row: RequestRow): StoredRequest {
    const what = (column: string) => `requests.${column} of request ${row.id}`;
    return {
      id: row.id,
      payload: parseJsonColumn(this.db.file, what('payload'), row.payload) as Record<string, unknown>,
      meta: row.meta === null ? null : (parseJsonColumn(this.db.file, what('meta'), row.meta) as Record<string, unknown>),
      retry_num: row.retry_num,
      parse_info: row.parse_info === null ? null : (parseJsonColumn(this.db.file, what('parse_info'), row.parse_info) as Record<string, unknown>),
      input_tokens: row.input_tokens,
      max_output_tokens: row.max_output_tokens,
    };
  }

  private parse<T>(what: string, text: string, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }): T {
    const parsed = schema.safeParse(parseJsonColumn(this.db.file, what, text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CorruptedStateError(this.db.file, `${this.db.file}: the ${what} is not valid at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'unknown error'}`);
    }
    return parsed.data;
  }
}

/** The statement that inserts or updates processed results (8 parameters each). */
const upsertResultsSql = multiRowStatement(
  'INSERT INTO results (request_id, processed, outcome, finish_reason, cut_short, refused, usage, result, answered_at)',
  '(?, 1, ?, ?, ?, ?, ?, ?, ?)',
  'ON CONFLICT (request_id) DO UPDATE SET processed = 1, outcome = excluded.outcome, finish_reason = excluded.finish_reason, cut_short = excluded.cut_short, refused = excluded.refused, usage = excluded.usage, result = excluded.result',
);

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function outcomeOf(x: ResultInfo): string {
  if (x.retry) return 'retried';
  return x.err_info === null ? 'succeeded' : 'failed';
}

