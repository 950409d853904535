import path from 'node:path';
import {
  batchInputLineSchema,
  type BatchState,
  type HistoryEntry,
  queueLineSchema,
  type QueueLine,
  type RequesterState,
  requesterStateSchema,
  type RequestInfo,
  requestInfoSchema,
} from '../../shared/requesterState';
import { CorruptedStateError } from '../../shared/errors';
import { pathExists } from '../store/fsUtil';
import { readJsonFile, readJsonlFile } from '../store/load';
import type { Transaction } from '../store/fileStore';
import { batchInputLine, idOfCustomId } from './cachedRequest';
import { zeroApiMetrics, zeroPushStats } from './accounting';

/** Where the requester keeps its files, and how they are read and written (engine.md 2, in our own format). */
export class RequesterFiles {
  constructor(
    readonly dir: string,
    readonly prefix: string,
  ) {}

  get statePath(): string {
    return path.join(this.dir, `${this.prefix}_state.json`);
  }
  get queuePath(): string {
    return path.join(this.dir, `${this.prefix}_queue.jsonl`);
  }
  get historyPath(): string {
    return path.join(this.dir, `${this.prefix}_history.jsonl`);
  }
  /** A new batch's input file name, timestamped like `P_batch7_20260101_120000_123456.jsonl`. */
  batchPath(id: number, date: Date): string {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}_${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}_${p(date.getMilliseconds() * 1000, 6)}`;
    return path.join(this.dir, `${this.prefix}_batch${id}_${stamp}.jsonl`);
  }
  /** The file beside a batch's input file that holds its requests' meta, retry numbers and estimates. */
  static infoPath(batchJsonl: string): string {
    return batchJsonl.replace(/\.jsonl$/, '.info.jsonl');
  }

  static freshState(endpoint: string): RequesterState {
    return {
      version: 1,
      endpoint,
      max_request_id: 0,
      max_batch_id: 0,
      max_direct_batch_id: 0,
      queue: { lines: 0, consumed: 0 },
      batches: [],
      history: { lines: 0 },
      task_push_stats: zeroPushStats(),
      metrics: { direct: zeroApiMetrics(), batch: zeroApiMetrics(), all: zeroApiMetrics() },
      num_pass_failures: 0,
    };
  }

  loadState(): Promise<RequesterState | undefined> {
    return readJsonFile(this.statePath, requesterStateSchema);
  }

  /** The queue lines that are not yet in a batch, checked against the counts in the state. */
  async loadQueue(state: RequesterState): Promise<QueueLine[]> {
    const lines = state.queue.lines === 0 && !(await pathExists(this.queuePath)) ? [] : await readJsonlFile(this.queuePath, queueLineSchema);
    if (lines.length !== state.queue.lines) {
      throw new CorruptedStateError(
        this.queuePath,
        `${this.queuePath} has ${lines.length} lines but ${this.statePath} records ${state.queue.lines}; the two files do not belong together`,
      );
    }
    const pending = lines.slice(state.queue.consumed);
    let previous = 0;
    for (const line of pending) {
      if (line.id <= previous || line.id > state.max_request_id) {
        throw new CorruptedStateError(this.queuePath, `${this.queuePath}: request ID ${line.id} is out of order or above the recorded maximum ${state.max_request_id}`);
      }
      previous = line.id;
    }
    return pending;
  }

  saveState(tx: Transaction, state: RequesterState): void {
    tx.writeJson(this.statePath, state, { pretty: true });
  }

  /** Writes a new batch's input file and its request info file. */
  writeBatch(tx: Transaction, batch: BatchState, endpoint: string, requests: { id: number; payload: Record<string, unknown>; info: RequestInfo }[]): void {
    tx.writeText(batch.local_jsonl, requests.map((r) => batchInputLine(r.id, endpoint, r.payload)).join(''));
    tx.writeJsonl(RequesterFiles.infoPath(batch.local_jsonl), requests.map((r) => r.info));
  }

  removeBatch(tx: Transaction, batch: BatchState): void {
    tx.remove(batch.local_jsonl);
    tx.remove(RequesterFiles.infoPath(batch.local_jsonl));
  }

  appendHistory(tx: Transaction, entries: HistoryEntry[]): void {
    tx.appendJsonl(this.historyPath, entries);
  }

  /**
   * Loads and validates a batch's requests (engine.md 2.4): URL, custom IDs, no duplicates, the count, the sizes and
   * the ID set all agree with the state; any disagreement is a corrupted-state error naming the file.
   */
  async loadBatchRequests(batch: BatchState, endpoint: string): Promise<{ id: number; payload: Record<string, unknown>; size: number; info: RequestInfo }[]> {
    const lines = await readJsonlFile(batch.local_jsonl, batchInputLineSchema);
    const infos = await readJsonlFile(RequesterFiles.infoPath(batch.local_jsonl), requestInfoSchema);
    const fail = (what: string) => new CorruptedStateError(batch.local_jsonl, `${batch.local_jsonl}: ${what} (batch ${batch.id})`);
    if (lines.length !== batch.num_requests || infos.length !== batch.num_requests) {
      throw fail(`holds ${lines.length} requests and ${infos.length} request infos, but the state records ${batch.num_requests}`);
    }
    const seen = new Set<number>();
    let totalSize = 0;
    const out = lines.map((line, index) => {
      const id = idOfCustomId(line.custom_id);
      const info = infos[index];
      if (id === undefined || info === undefined || info.id !== id) throw fail(`line ${index + 1} has custom_id '${line.custom_id}' that does not match its request info`);
      if (seen.has(id)) throw fail(`request ID ${id} appears twice`);
      if (line.url !== endpoint) throw fail(`line ${index + 1} is for endpoint '${line.url}', not '${endpoint}'`);
      seen.add(id);
      const size = Buffer.byteLength(batchInputLine(id, endpoint, line.body), 'utf8');
      totalSize += size;
      return { id, payload: line.body, size, info };
    });
    if (totalSize !== batch.local_jsonl_size) throw fail(`the requests take ${totalSize} bytes but the state records ${batch.local_jsonl_size}`);
    return out;
  }
}

