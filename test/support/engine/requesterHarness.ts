import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { deriveLimits, resolveOptions, type RequesterOptions } from '../../../src/shared/options';
import type { RequesterState } from '../../../src/shared/requesterState';
import { RequesterRecords } from '../../../src/engine/db/requesterRecords';
import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';
import { MemoryLogger } from '../../../src/engine/log';
import type { BatchResult } from '../../../src/engine/requester/batchResult';
import type { GptRequest } from '../../../src/engine/requester/cachedRequest';
import { updateRemoteBatches, waitForBatches } from '../../../src/engine/requester/polling';
import { pushBatches } from '../../../src/engine/requester/pushing';
import { Requester } from '../../../src/engine/requester/requester';
import { waitForValidation } from '../../../src/engine/requester/validationHold';
import { TokenCosting } from '../../../src/engine/requester/tokenCosting';
import { FileStore } from '../../../src/engine/store/fileStore';
import { InterruptGate } from '../../../src/engine/store/interrupts';
import type { UnitContext } from '../../../src/engine/store/unit';
import { TokenEstimator } from '../../../src/engine/tokens/estimator';
import { nullMetricsSink, type MetricsSink } from '../../../src/engine/wandb/metricsSink';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/sim/simulator';

/** Rewrites the body of one API response (already decoded as text); return it unchanged to pass it through. */
export type ResponseRewriter = (route: { method: string; path: string }, body: string) => string;

/** One API call as the client sends it. */
export interface ApiCall {
  method: string;
  path: string;
  headers: Headers;
}

/** Observes (or fails, by throwing) API calls around the real HTTP exchange. */
export interface FetchHooks {
  before?(call: ApiCall): void | Promise<void>;
  after?(call: ApiCall, status: number): void;
}

/** How a harness session opens its requester. */
export interface SessionOptions {
  /** Option values by seed name, over the defaults (validated like a task file). */
  options?: Record<string, unknown>;
  /** Option values as command-line flags give them (for options a task file cannot set). */
  flags?: Record<string, unknown>;
  /** Wraps the API client, e.g. to make a call fail. */
  wrapClient?: (client: OpenAI) => OpenAI;
  metrics?: MetricsSink;
  /** Retries of the API client itself (default 2, as in production). */
  clientRetries?: number;
  /** The requester's clock (default the wall clock) and interrupt gate (default a new one). */
  clock?: () => number;
  gate?: InterruptGate;
}

/** A requester opened on the harness directory, with what it was opened with. */
export interface Session {
  requester: Requester;
  gate: InterruptGate;
  options: RequesterOptions;
  client: OpenAI;
}

/** Options that keep tests fast: quick polling, retries of the API client without long back-off. */
const testDefaults: Record<string, unknown> = {
  remote_update_interval: 1,
  min_batch_requests: 1,
  token_estimator_warn: 'never',
};

/**
 * A temp task directory and a simulator with fast batches, to open requesters on as a task manager would: a real
 * `FileStore`, `InterruptGate`, resolved options, token costing over the real estimator and an openai client over
 * HTTP. `rewrite` alters API responses on their way to the client (to script outputs the simulator never produces).
 */
export class RequesterHarness {
  readonly logger = new MemoryLogger();
  rewrite: ResponseRewriter | undefined;
  hooks: FetchHooks = {};
  private opened: Requester[] = [];
  private readonly dbs: TaskDb[] = [];

  private constructor(
    readonly dir: string,
    readonly sim: Simulator,
  ) {}

  static async start(sim: SimulatorOptions = {}): Promise<RequesterHarness> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reqtests-'));
    return new RequesterHarness(dir, await startSimulator({ batchSeconds: 0.4, ...sim }));
  }

  /** The API client a session uses: real HTTP to the simulator, responses passed through `rewrite`. */
  createClient(retries = 2): OpenAI {
    const rewritingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      const call: ApiCall = { method, path: url.pathname, headers: new Headers(init?.headers) };
      await this.hooks.before?.(call);
      const response = await fetch(input, init);
      this.hooks.after?.(call, response.status);
      const rewrite = this.rewrite;
      if (rewrite === undefined) return response;
      const text = await response.text();
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      return new Response(rewrite({ method, path: url.pathname }, text), { status: response.status, statusText: response.statusText, headers });
    };
    return new OpenAI({ apiKey: 'sim', baseURL: this.sim.baseUrl, maxRetries: retries, fetch: rewritingFetch });
  }

  /** Opens a requester on the directory (a new session), as the task manager does on entry. */
  async open(session: SessionOptions = {}): Promise<Session> {
    const options = resolveOptions([
      { source: 'test', values: { ...testDefaults, ...session.options } },
      { source: 'command line', values: session.flags ?? {} },
    ]).requester;
    const gate = session.gate ?? new InterruptGate();
    const db = TaskDb.openForWriting(taskDbPath(this.dir));
    this.dbs.push(db);
    const store = await FileStore.open(this.dir, { journalName: 'P.journal', logger: this.logger, dryrun: options.dryrun, db });
    const estimator = new TokenEstimator({ warn: 'never', logger: this.logger });
    const costing = new TokenCosting(estimator, options, options.assumed_completion_ratio ?? 0.5);
    const base = this.createClient(session.clientRetries ?? 2);
    const client = session.wrapClient ? session.wrapClient(base) : base;
    const requester = await Requester.open({
      dir: this.dir,
      prefix: 'P',
      options,
      limits: deriveLimits(options),
      client: options.dryrun ? null : client,
      costing,
      logger: this.logger,
      gate,
      store,
      taskId: 'test-task',
      metrics: session.metrics ?? nullMetricsSink,
      clock: session.clock ?? Date.now,
    });
    this.opened.push(requester);
    return { requester, gate, options, client };
  }

  /** The path of a file in the task directory. */
  file(name: string): string {
    return path.join(this.dir, name);
  }

  read(name: string): string {
    return fs.readFileSync(this.file(name), 'utf8');
  }

  /** Every file of the directory with its content, to compare before and after an operation. */
  snapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of fs.readdirSync(this.dir).sort()) {
      // The database's content, not its bytes: SQLite may rewrite pages, the WAL and its index without a change.
      if (name.startsWith('task.db')) continue;
      out[name] = fs.readFileSync(this.file(name), 'utf8');
    }
    if (fs.existsSync(taskDbPath(this.dir))) {
      this.readDb((db) => {
        for (const table of ['task', 'requester', 'batches', 'requests', 'results', 'samples']) {
          out[`task.db:${table}`] = JSON.stringify(db.all(`SELECT * FROM ${table} ORDER BY 1, 2`));
        }
      });
    }
    return out;
  }

  /** The names in the directory, sorted. */
  names(): string[] {
    return fs.readdirSync(this.dir).sort();
  }

  /** The requester state as saved in the task database. */
  state(): RequesterState {
    return this.readDb((db) => {
      const state = new RequesterRecords(db, this.dir, 'P').loadState();
      if (state === undefined) throw new Error(`no requester state in ${this.dir}`);
      return state;
    });
  }

  /** The processed batches as saved in the task database, in the order they were processed. */
  history(): Record<string, unknown>[] {
    return this.readDb((db) =>
      db
        .all<{ record: string }>("SELECT record FROM batches WHERE place = 'processed' ORDER BY processed_seq")
        .map((row) => JSON.parse(row.record) as Record<string, unknown>),
    );
  }

  /** Queued requests as saved in the task database, in ID order. */
  queuedIds(): number[] {
    return this.readDb((db) => db.all<{ id: number }>('SELECT id FROM requests WHERE batch_id IS NULL ORDER BY id').map((r) => r.id));
  }

  /** Closes the databases the sessions opened (as a process exit would), so the file can be changed behind them. */
  async closeDatabases(): Promise<void> {
    for (const db of this.dbs.splice(0)) db.close();
  }

  /** Reads the task database, opened read-only for the call, as a reader process would. */
  readDb<T>(read: (db: TaskDb) => T): T {
    const db = TaskDb.openReadonly(taskDbPath(this.dir));
    if (db === undefined) throw new Error(`no task database in ${this.dir}`);
    try {
      return read(db);
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    for (const requester of this.opened) requester.close();
    for (const db of this.dbs) db.close();
    await this.sim.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A small chat request whose meta names it. */
export function chatRequest(name: string, extra: Record<string, unknown> = {}): GptRequest {
  return { payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Say something about ${name}` }], max_completion_tokens: 64, ...extra }, meta: { name } };
}

/** Adds requests named `<prefix>0..n-1` and commits them. */
export async function addAndCommit(requester: Requester, count: number, prefix = 'r', extra: Record<string, unknown> = {}): Promise<void> {
  for (let i = 0; i < count; i += 1) requester.addRequest(chatRequest(`${prefix}${i}`, extra));
  await requester.commitRequests();
}

/** A batch result handler that records every batch it is given. */
export function recordingHandler(): { handler: (u: UnitContext, result: BatchResult) => Promise<void>; results: BatchResult[] } {
  const results: BatchResult[] = [];
  return {
    results,
    handler: async (_u, result) => {
      results.push(result);
    },
  };
}

/**
 * Waits until no remote batch is unfinished. (`waitForBatches` returns at once while any batch is finished, so it
 * alone cannot wait for the rest.)
 */
export async function waitForAllBatches(requester: Requester): Promise<void> {
  while (requester.unfinishedRemoteBatches.length > 0) {
    if (requester.finishedRemoteBatches.length === 0) {
      await waitForBatches(requester);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await updateRemoteBatches(requester, { lastSave: undefined }, false);
    }
  }
}

/**
 * Pushes every batch the limits allow, as a run's steps do: while a model's queue limit is unknown, its batches go
 * into validation one at a time, so this waits for each to pass validation before pushing the next.
 */
export async function pushAllBatches(requester: Requester): Promise<void> {
  await pushBatches(requester);
  while (await waitForValidation(requester)) await pushBatches(requester);
}

/** Rewrites each line of a JSONL body. */
export function mapJsonl(body: string, map: (line: Record<string, unknown>, index: number) => Record<string, unknown> | string | null): string {
  const out: string[] = [];
  body
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .forEach((line, index) => {
      const mapped = map(JSON.parse(line) as Record<string, unknown>, index);
      if (mapped !== null) out.push(typeof mapped === 'string' ? mapped : JSON.stringify(mapped));
    });
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/** True for the download of a file's content. */
export function isFileContent(route: { method: string; path: string }): boolean {
  return route.method === 'GET' && /\/files\/[^/]+\/content$/.test(route.path);
}
