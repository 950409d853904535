import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Fast delivery timing for tests, so that they do not wait on production intervals. */
export const fastTiming = {
  flushIntervalMs: 20,
  heartbeatMs: 60_000,
  retryBaseMs: 20,
  retryMaxMs: 100,
  requestTimeoutMs: 10_000,
  openTimeoutMs: 10_000,
  closeTimeoutMs: 15_000,
};

/** A run as the fake server stores it. `history` and `log` hold lines at the offsets the client sent. */
export interface FakeRun {
  entity: string;
  project: string;
  name: string;
  displayName: string | null;
  group: string | null;
  jobType: string | null;
  config: Record<string, unknown>;
  history: string[];
  log: string[];
  summary: Record<string, unknown> | undefined;
  complete: boolean;
  exitcode: number | undefined;
}

/** One request the fake server received. */
export interface RecordedCall {
  kind: 'graphql' | 'file_stream' | 'other';
  operation: string | undefined;
  path: string;
  authorization: string | undefined;
  body: any;
  status: number;
}

/** A scripted answer for the next request of a kind: an error status (optionally after storing), or no answer. */
export type Fault = { status: number; headers?: Record<string, string>; body?: string; afterStore?: boolean } | { hang: true };

/**
 * An in-process stand-in for the W&B server (GraphQL `Viewer`, `RunResumeStatus`, `UpsertBucket` and the run
 * file_stream endpoint) on 127.0.0.1, recording every call. Offsets are applied like the real server: a line sent
 * again at the same offset replaces the stored one; a gap or data after completion is recorded as an anomaly.
 */
export class FakeWandb {
  readonly calls: RecordedCall[] = [];
  readonly runs = new Map<string, FakeRun>();
  readonly anomalies: string[] = [];
  private readonly faults: Record<'graphql' | 'file_stream', Fault[]> = { graphql: [], file_stream: [] };
  private readonly events = new EventEmitter();
  private readonly held: http.ServerResponse[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
    readonly apiKey: string,
    readonly viewerEntity: string,
  ) {}

  static async start(options: { apiKey?: string; viewerEntity?: string } = {}): Promise<FakeWandb> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeWandb(server, `http://127.0.0.1:${port}`, options.apiKey ?? 'test-key-0123456789', options.viewerEntity ?? 'viewer-entity');
    server.on('request', (req, res) => fake.handle(req, res));
    return fake;
  }

  /** Queues faults answered to the next file_stream requests, one per request. */
  failFileStream(...faults: Fault[]): void {
    this.faults.file_stream.push(...faults);
  }

  /** Queues faults answered to the next GraphQL requests, one per request. */
  failGraphql(...faults: Fault[]): void {
    this.faults.graphql.push(...faults);
  }

  run(entity: string, project: string, name: string): FakeRun {
    const run = this.runs.get(`${entity}/${project}/${name}`);
    if (!run) throw new Error(`fake W&B has no run ${entity}/${project}/${name}; it has ${[...this.runs.keys()].join(', ')}`);
    return run;
  }

  /** The parsed history rows of a run. */
  rows(entity: string, project: string, name: string): Record<string, unknown>[] {
    return this.run(entity, project, name).history.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  fileStreamCalls(): RecordedCall[] {
    return this.calls.filter((call) => call.kind === 'file_stream');
  }

  /** Resolves once `predicate` holds, re-checking after every request; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake W&B: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('request', check);
      };
      this.events.on('request', check);
      check();
    });
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const kind = path === '/graphql' ? 'graphql' : /^\/files\/[^/]+\/[^/]+\/[^/]+\/file_stream$/.test(path) ? 'file_stream' : 'other';
      const operation = kind === 'graphql' ? /(?:query|mutation)\s+(\w+)/.exec(String(body?.query))?.[1] : undefined;
      const call: RecordedCall = { kind, operation, path, authorization: req.headers.authorization, body, status: 0 };
      this.calls.push(call);
      const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        call.status = status;
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
        this.events.emit('request');
      };
      if (req.method !== 'POST' || kind === 'other') return answer(404, { error: 'not found' });
      if (req.headers.authorization !== `Basic ${Buffer.from(`api:${this.apiKey}`).toString('base64')}`) {
        return answer(401, { errors: [{ message: 'user is not logged in' }] });
      }
      const fault = this.faults[kind].shift();
      if (fault && 'hang' in fault) {
        this.held.push(res);
        this.events.emit('request');
        return;
      }
      if (fault && !fault.afterStore) return answer(fault.status, fault.body ?? { error: 'injected' }, fault.headers);
      const [status, payload] = kind === 'graphql' ? this.graphql(operation, body?.variables ?? {}) : this.fileStream(path, body);
      if (fault) return answer(fault.status, fault.body ?? { error: 'injected after store' }, fault.headers);
      answer(status, payload);
    });
  }

  private graphql(operation: string | undefined, variables: Record<string, any>): [number, unknown] {
    switch (operation) {
      case 'Viewer':
        return [200, { data: { viewer: { id: 'user-1', entity: this.viewerEntity, username: 'tester' } } }];
      case 'RunResumeStatus': {
        const run = this.runs.get(`${variables.entity}/${variables.project}/${variables.name}`);
        const bucket = run && {
          id: `storage-${run.name}`,
          name: run.name,
          displayName: run.displayName,
          summaryMetrics: JSON.stringify(run.summary ?? {}),
          historyLineCount: run.history.length,
          logLineCount: run.log.length,
          historyTail: JSON.stringify(run.history.slice(-10)),
        };
        return [200, { data: { model: { bucket: bucket ?? null } } }];
      }
      case 'UpsertBucket': {
        const entity = variables.entity ?? this.viewerEntity;
        const key = `${entity}/${variables.project}/${variables.name}`;
        const existing = this.runs.get(key);
        const run: FakeRun = existing ?? {
          entity,
          project: variables.project,
          name: variables.name,
          displayName: null,
          group: null,
          jobType: null,
          config: {},
          history: [],
          log: [],
          summary: undefined,
          complete: false,
          exitcode: undefined,
        };
        run.displayName = variables.displayName ?? run.displayName;
        run.group = variables.groupName ?? run.group;
        run.jobType = variables.jobType ?? run.jobType;
        if (typeof variables.config === 'string') run.config = JSON.parse(variables.config);
        run.complete = false;
        this.runs.set(key, run);
        const bucket = { id: `storage-${run.name}`, name: run.name, displayName: run.displayName, historyLineCount: run.history.length, project: { name: run.project, entity: { name: run.entity } } };
        return [200, { data: { upsertBucket: { bucket, inserted: !existing } } }];
      }
      default:
        return [400, { errors: [{ message: `unknown operation ${operation}` }] }];
    }
  }

  private fileStream(path: string, body: any): [number, unknown] {
    const [, , entity, project, name] = path.split('/').map(decodeURIComponent);
    const run = this.runs.get(`${entity}/${project}/${name}`);
    if (!run) return [404, { error: `run ${entity}/${project}/${name} not found` }];
    const files = body?.files ?? {};
    const store = (target: string[], file: string) => {
      const { offset, content } = files[file] as { offset: number; content: string[] };
      if (offset > target.length) this.anomalies.push(`${file}: gap, offset ${offset} but ${target.length} lines stored`);
      // Re-sending stored lines (a retry after a lost answer) is fine; new lines after completion are not.
      if (run.complete && offset + content.length > target.length) this.anomalies.push(`${file}: new lines after completion of ${name}`);
      content.forEach((line, i) => (target[offset + i] = line));
    };
    if (files['wandb-history.jsonl']) store(run.history, 'wandb-history.jsonl');
    if (files['output.log']) store(run.log, 'output.log');
    const summary = files['wandb-summary.json'];
    if (summary) run.summary = JSON.parse(summary.content[summary.content.length - 1]);
    if (body?.complete === true) {
      run.complete = true;
      run.exitcode = body.exitcode;
    }
    return [200, { exitcode: null, limits: {} }];
  }
}
