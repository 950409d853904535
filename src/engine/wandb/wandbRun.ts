import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EngineError, InvalidInputError } from '../../shared/errors';
import type { Logger } from '../log';
import { FileStream } from './fileStream';
import { nullMetricsSink } from './metricsSink';
import type { MetricValue, MetricsSink } from './metricsSink';
import { readSpool, SpoolWriter, spoolFilePath } from './offlineSpool';
import type { SpoolRecord } from './offlineSpool';
import { resumePoint, upsertRun, viewerEntity } from './wandbApi';
import type { ApiCallContext, ResumePoint } from './wandbApi';

/** How to reach W&B and which run to write. */
export interface WandbOptions {
  /** From WANDB_MODE, default online. */
  mode: 'online' | 'offline' | 'disabled';
  /** WANDB_API_KEY; only ever sent in the Authorization header. */
  apiKey?: string;
  /** WANDB_BASE_URL, default https://api.wandb.ai */
  baseUrl?: string;
  /** wandb_project, default 'gpt_batch_api' */
  project: string;
  entity?: string;
  /** Create or resume this run (resume "allow"); a new random ID otherwise. */
  runId?: string;
  name?: string;
  group?: string;
  /** Directory of offline spool files; default `./wandb`. */
  dir?: string;
  /** Default 'gpt_batch_api'. */
  jobType?: string;
  /** Sent as `{key: {desc: null, value}}`. */
  config: Record<string, unknown>;
  logger: Logger;
  fetch?: typeof fetch;
  /** Wall clock in ms, for `_timestamp` and `_runtime`. */
  clock?: () => number;
  timing?: Partial<WandbTiming>;
}

/** Delivery timing; the defaults suit the public server. */
export interface WandbTiming {
  flushIntervalMs: number;
  heartbeatMs: number;
  maxLinesPerRequest: number;
  retryBaseMs: number;
  retryMaxMs: number;
  requestTimeoutMs: number;
  /** How long opening a run may retry an unavailable server before failing. */
  openTimeoutMs: number;
  /** Default bound of `close`. */
  closeTimeoutMs: number;
}

const defaultTiming: WandbTiming = {
  flushIntervalMs: 2000,
  heartbeatMs: 30_000,
  maxLinesPerRequest: 500,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  requestTimeoutMs: 30_000,
  openTimeoutMs: 60_000,
  closeTimeoutMs: 30_000,
};

const defaultBaseUrl = 'https://api.wandb.ai';
const defaultJobType = 'gpt_batch_api';

/** Reads WANDB_MODE, WANDB_API_KEY, WANDB_BASE_URL and WANDB_DIR. An unknown mode is an InvalidInputError. */
export function wandbEnvironment(env: NodeJS.ProcessEnv = process.env): Pick<WandbOptions, 'mode' | 'apiKey' | 'baseUrl' | 'dir'> {
  const raw = (env.WANDB_MODE ?? '').trim().toLowerCase();
  const modes: Record<string, WandbOptions['mode']> = { '': 'online', online: 'online', run: 'online', offline: 'offline', dryrun: 'offline', disabled: 'disabled' };
  const mode = modes[raw];
  if (!mode) throw new InvalidInputError(`WANDB_MODE=${env.WANDB_MODE} is not one of online, offline, disabled`);
  return { mode, apiKey: env.WANDB_API_KEY || undefined, baseUrl: env.WANDB_BASE_URL || undefined, dir: env.WANDB_DIR || undefined };
}

/**
 * Whether the environment sets W&B up: a WANDB_API_KEY, or WANDB_MODE=offline (which needs no key). Runs log to W&B
 * by default only then, so that a first run without an account does not fail on a missing key.
 */
export function wandbConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.WANDB_API_KEY) || wandbEnvironment(env).mode === 'offline';
}

function newRunId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(8), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** The web page of a run: `api.` hosts map to the app host (api.wandb.ai → wandb.ai); other servers serve both. */
export function runWebUrl(baseUrl: string, entity: string, project: string, runId: string): string {
  const url = new URL(baseUrl);
  if (url.hostname.startsWith('api.')) url.hostname = url.hostname.slice('api.'.length);
  return `${url.origin}/${[entity, project, 'runs', runId].map(encodeURIComponent).join('/')}`;
}

/** Shared row bookkeeping of online and offline runs: `_step`, `_runtime`, `_timestamp` and the running summary. */
abstract class RecordingRun implements MetricsSink {
  abstract readonly url: string | undefined;
  protected nextStep: number;
  protected readonly summaryValues: Record<string, MetricValue>;
  private readonly startMs: number;
  private closing: Promise<boolean> | undefined;

  constructor(
    protected readonly clock: () => number,
    protected readonly logger: Logger,
    protected readonly defaultCloseTimeoutMs: number,
    private readonly secret: string | undefined,
    start: Pick<ResumePoint, 'nextStep' | 'runtime' | 'summary'>,
  ) {
    this.nextStep = start.nextStep;
    this.summaryValues = { ...start.summary };
    this.startMs = clock() - start.runtime * 1000;
  }

  log(values: Record<string, MetricValue>): void {
    if (this.closing) return;
    const now = this.clock();
    this.writeRow({ ...values, _step: this.nextStep, _runtime: (now - this.startMs) / 1000, _timestamp: now / 1000 });
  }

  summary(values: Record<string, MetricValue>): void {
    if (this.closing) return;
    Object.assign(this.summaryValues, values);
    this.summaryChanged(values);
  }

  /** Appends a console line (to the run's `output.log`); warnings and errors are marked as such. */
  writeConsole(level: 'error' | 'warn' | 'info' | 'debug', message: string): void {
    if (this.closing) return;
    const stamp = new Date(this.clock()).toISOString();
    const prefix = level === 'error' || level === 'warn' ? 'ERROR ' : '';
    const text = this.secret ? message.split(this.secret).join('***') : message;
    for (const line of text.split(/\r?\n/)) this.consoleLine(`${prefix}${stamp} ${line}`);
  }

  /** Appends an already formatted console line. */
  writeConsoleLine(line: string): void {
    if (!this.closing) this.consoleLine(line);
  }

  /** Appends a complete history row whose `_step` is already set. */
  writeRow(row: Record<string, MetricValue>): void {
    if (this.closing) return;
    const step = row._step;
    if (typeof step === 'number' && step >= this.nextStep) this.nextStep = step + 1;
    Object.assign(this.summaryValues, row);
    this.historyRow(row);
  }

  close(options: { exitCode?: number; timeoutMs?: number } = {}): Promise<void> {
    return this.finish(options).then(() => undefined);
  }

  /** Like `close`, but resolves to whether everything was delivered. */
  finish(options: { exitCode?: number; timeoutMs?: number } = {}): Promise<boolean> {
    this.closing ??= this.end(options.exitCode ?? 0, options.timeoutMs ?? this.defaultCloseTimeoutMs);
    return this.closing;
  }

  protected abstract historyRow(row: Record<string, MetricValue>): void;
  protected abstract summaryChanged(values: Record<string, MetricValue>): void;
  protected abstract consoleLine(line: string): void;
  protected abstract end(exitCode: number, timeoutMs: number): Promise<boolean>;
}

class OnlineRun extends RecordingRun {
  constructor(
    readonly url: string,
    private readonly stream: FileStream,
    clock: () => number,
    logger: Logger,
    closeTimeoutMs: number,
    secret: string,
    start: ResumePoint,
  ) {
    super(clock, logger, closeTimeoutMs, secret, start);
  }

  /** The step the next row gets. */
  get step(): number {
    return this.nextStep;
  }

  protected historyRow(row: Record<string, MetricValue>): void {
    this.stream.pushHistory(JSON.stringify(row));
    this.stream.setSummary(JSON.stringify(this.summaryValues));
  }

  protected summaryChanged(): void {
    this.stream.setSummary(JSON.stringify(this.summaryValues));
  }

  protected consoleLine(line: string): void {
    this.stream.pushConsole(line);
  }

  protected end(exitCode: number, timeoutMs: number): Promise<boolean> {
    return this.stream.close(exitCode, timeoutMs);
  }
}

class OfflineRun extends RecordingRun {
  readonly url = undefined;

  constructor(
    private readonly spool: SpoolWriter,
    clock: () => number,
    logger: Logger,
    closeTimeoutMs: number,
    secret: string | undefined,
    start: Pick<ResumePoint, 'nextStep' | 'runtime' | 'summary'>,
  ) {
    super(clock, logger, closeTimeoutMs, secret, start);
  }

  protected historyRow(row: Record<string, MetricValue>): void {
    this.spool.append({ type: 'history', row });
  }

  protected summaryChanged(values: Record<string, MetricValue>): void {
    this.spool.append({ type: 'summary', values });
  }

  protected consoleLine(line: string): void {
    this.spool.append({ type: 'console', line });
  }

  protected async end(exitCode: number, timeoutMs: number): Promise<boolean> {
    this.spool.append({ type: 'exit', exitCode });
    return this.spool.close(timeoutMs);
  }
}

/**
 * Returns a logger that writes to `logger` and, when `sink` is a W&B run, also to the run's console log
 * (`output.log`, or the offline spool).
 */
export function wandbConsoleLogger(logger: Logger, sink: MetricsSink): Logger {
  if (!(sink instanceof RecordingRun)) return logger;
  const tee = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, ...args: unknown[]) => {
    logger[level](message, ...args);
    if (level !== 'debug') sink.writeConsole(level, message);
  };
  return { error: tee('error'), warn: tee('warn'), info: tee('info'), debug: tee('debug') };
}

function timingOf(options: Pick<WandbOptions, 'timing'>): WandbTiming {
  return { ...defaultTiming, ...options.timing };
}

async function openOnlineRun(options: Omit<WandbOptions, 'mode'>): Promise<OnlineRun> {
  if (!options.apiKey) {
    throw new InvalidInputError(
      'W&B is enabled but WANDB_API_KEY is not set: set WANDB_API_KEY, use WANDB_MODE=offline to spool metrics locally, or pass --no_wandb',
    );
  }
  const timing = timingOf(options);
  const baseUrl = (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, '');
  const endpoint = { baseUrl, apiKey: options.apiKey, fetch: options.fetch ?? fetch, requestTimeoutMs: timing.requestTimeoutMs };
  const retry = { baseMs: timing.retryBaseMs, maxMs: timing.retryMaxMs };
  const ctx: ApiCallContext = { endpoint, retry, logger: options.logger, deadline: Date.now() + timing.openTimeoutMs };
  const entity = options.entity ?? (await viewerEntity(ctx));
  const runId = options.runId ?? newRunId();
  const resumed = options.runId ? await resumePoint(ctx, entity, options.project, runId) : undefined;
  const run = await upsertRun(ctx, {
    entity,
    project: options.project,
    runId,
    displayName: options.name,
    group: options.group,
    jobType: options.jobType ?? defaultJobType,
    config: options.config,
  });
  const start: ResumePoint = resumed ?? { historyLineCount: run.historyLineCount, logLineCount: 0, nextStep: run.historyLineCount, runtime: 0, summary: {} };
  const runPath = `${run.entity}/${run.project}/${run.runId}`;
  const stream = new FileStream({
    endpoint,
    url: `${baseUrl}/files/${[run.entity, run.project, run.runId].map(encodeURIComponent).join('/')}/file_stream`,
    historyOffset: start.historyLineCount,
    consoleOffset: start.logLineCount,
    flushIntervalMs: timing.flushIntervalMs,
    heartbeatMs: timing.heartbeatMs,
    maxLinesPerRequest: timing.maxLinesPerRequest,
    retry,
    logger: options.logger,
    runPath,
  });
  const url = runWebUrl(baseUrl, run.entity, run.project, run.runId);
  const how = resumed ? `resumed at step ${start.nextStep}` : 'created';
  options.logger.info(`W&B run ${runPath} ${how}: ${url}`);
  return new OnlineRun(url, stream, options.clock ?? Date.now, options.logger, timing.closeTimeoutMs, options.apiKey, start);
}

function openOfflineRun(options: Omit<WandbOptions, 'mode'>): OfflineRun {
  const runId = options.runId ?? newRunId();
  const file = spoolFilePath(path.resolve(options.dir ?? 'wandb'), runId);
  const start = { nextStep: 0, runtime: 0, summary: {} as Record<string, MetricValue> };
  if (fs.existsSync(file)) {
    for (const record of readSpool(file).records) {
      if (record.type === 'history') {
        const { _step: step, _runtime: runtime } = record.row;
        if (typeof step === 'number') start.nextStep = Math.max(start.nextStep, step + 1);
        if (typeof runtime === 'number') start.runtime = runtime;
        Object.assign(start.summary, record.row);
      } else if (record.type === 'summary') {
        Object.assign(start.summary, record.values);
      }
    }
  }
  const spool = new SpoolWriter(file, options.logger);
  const header: SpoolRecord = {
    type: 'run',
    runId,
    project: options.project,
    entity: options.entity,
    name: options.name,
    group: options.group,
    jobType: options.jobType ?? defaultJobType,
    config: options.config,
  };
  spool.append(header);
  options.logger.info(`W&B offline: spooling metrics to ${file}; upload them later with: gpt-batch wandb-sync ${file}`);
  const timing = timingOf(options);
  return new OfflineRun(spool, options.clock ?? Date.now, options.logger, timing.closeTimeoutMs, options.apiKey, start);
}

/**
 * Creates or resumes (runId) a run and returns its sink. 'disabled' → nullMetricsSink; 'offline' → a spool file in
 * `dir`. A missing key in online mode → InvalidInputError naming WANDB_API_KEY and --no_wandb; 401 → InvalidInputError.
 */
export async function openWandbRun(options: WandbOptions): Promise<MetricsSink> {
  if (options.mode === 'disabled') return nullMetricsSink;
  if (options.mode === 'offline') return openOfflineRun(options);
  return openOnlineRun(options);
}

/** The marker written next to a spool file once it has been uploaded completely. */
export function syncedMarkerPath(spoolFile: string): string {
  return `${spoolFile}.synced`;
}

/**
 * Uploads an offline spool file to the server (used by `gpt-batch wandb-sync`). Options given here override the
 * spool's entity, run ID, name, group and job type; rows are appended after any history the run already has.
 * A completely uploaded file gets a `.synced` marker, and uploading it again is refused.
 */
export async function syncOfflineRun(
  spoolFile: string,
  options: Omit<WandbOptions, 'mode' | 'config'>,
): Promise<{ rows: number; url?: string }> {
  const marker = syncedMarkerPath(spoolFile);
  if (fs.existsSync(marker)) {
    throw new InvalidInputError(`${spoolFile} was already uploaded (marker ${marker}); delete the marker to upload it again`);
  }
  const { header, records } = readSpool(spoolFile);
  const run = await openOnlineRun({
    ...options,
    entity: options.entity ?? header.entity,
    runId: options.runId ?? header.runId,
    name: options.name ?? header.name,
    group: options.group ?? header.group,
    jobType: options.jobType ?? header.jobType,
    config: header.config,
  });
  const stepBase = run.step;
  let rows = 0;
  let exitCode = 0;
  for (const record of records) {
    if (record.type === 'history') {
      const step = typeof record.row._step === 'number' ? record.row._step : rows;
      run.writeRow({ ...record.row, _step: stepBase + step });
      rows += 1;
    } else if (record.type === 'summary') {
      run.summary(record.values);
    } else if (record.type === 'console') {
      run.writeConsoleLine(record.line);
    } else {
      exitCode = record.exitCode;
    }
  }
  const delivered = await run.finish({ exitCode });
  if (!delivered) {
    throw new EngineError('api', `W&B did not accept all of ${spoolFile} (see the warnings above); the run is ${run.url}`);
  }
  fs.writeFileSync(marker, `${JSON.stringify({ url: run.url, rows })}\n`);
  return { rows, url: run.url };
}
