import type { AddressInfo } from 'node:net';
import { InvalidInputError } from '../shared/errors';
import { noopLogger, type Logger } from '../engine';
import { BatchStore } from './batches';
import { defaultFaultConfig, FaultDecider, mergeFaults, type FaultConfig } from './faults';
import { FileStore } from './files';
import { StateStore } from './persistence';
import { RateLimiter } from './rateLimiter';
import type { SimParts } from './routes';
import { createSimServer, type SimulatorRequestHook } from './server';
import { StatsCollector, type SimulatorStats } from './stats';

export type { FaultConfig } from './faults';
export type { SimulatorStats } from './stats';

/** How to start the simulator. */
export interface SimulatorOptions {
  /** Default 0 (any free port); the host is always 127.0.0.1. */
  port?: number;
  /** Time from creation to completion of a batch, in seconds; default 2; may be fractional. */
  batchSeconds?: number;
  /** Persist files and batches there; a restarted simulator continues where it stopped. */
  stateDir?: string;
  /** Added to every API response. */
  latencyMs?: number;
  /** If set, requests must carry `Authorization: Bearer <apiKey>`, else 401; if unset any bearer works, none is a 401. */
  apiKey?: string;
  faults?: Partial<FaultConfig>;
  /**
   * Enqueued-token limits per model (prompt tokens of its batches not yet finished); a model not named here has the
   * `enqueuedTokenLimit` fault's limit. A batch past its model's limit fails validation with `token_limit_exceeded`.
   */
  enqueuedTokenLimits?: Record<string, number>;
  /** Seed of the deterministic fault decisions; default 0. */
  seed?: number;
  logger?: Logger;
  /** Sees every API request before it is handled: lets a test act at an exact point of a client's run. */
  onApiRequest?: SimulatorRequestHook;
  /** The time (ms) batches progress by; default the wall clock. A test passes the clock its client runs on. */
  clock?: () => number;
}

/** A running simulator. */
export interface Simulator {
  /** `http://127.0.0.1:<port>/v1`, to pass as the openai client's `baseURL`. */
  readonly baseUrl: string;
  readonly port: number;
  stats(): SimulatorStats;
  /** Merges the given faults into the current fault configuration; throws naming an invalid key. */
  setFaults(faults: Partial<FaultConfig>): void;
  resetStats(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Starts an OpenAI-compatible server on 127.0.0.1: Files, Batches (timed status progression) and chat completions
 * with deterministic replies, fault injection, and optional persistence in `stateDir`.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const batchSeconds = options.batchSeconds ?? 2;
  if (!(batchSeconds > 0)) throw new InvalidInputError(`batchSeconds must be a positive number, got ${batchSeconds}`);
  const logger = options.logger ?? noopLogger;
  const store = new StateStore(options.stateDir);
  const state = store.load();
  const decider = new FaultDecider(options.seed ?? 0);
  const enqueuedTokenLimits = checkedEnqueuedTokenLimits(options.enqueuedTokenLimits ?? {});
  const stats = new StatsCollector();
  let batches: BatchStore | undefined;
  const clock = options.clock ?? Date.now;
  const files = new FileStore(state, store, (fileId) => batches?.needsInput(fileId) ?? false, clock);
  batches = new BatchStore(state, store, files, decider, stats, { batchSeconds, faults: () => parts.faults, enqueuedTokenLimits, clock });
  const parts: SimParts = { files, batches, stats, rateLimiter: new RateLimiter(), decider, faults: mergeFaults(defaultFaultConfig, options.faults ?? {}) };
  const server = createSimServer(parts, { apiKey: options.apiKey, latencyMs: options.latencyMs ?? 0, logger, decider, onApiRequest: options.onApiRequest, clock });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  logger.info(`GPT Batch simulator listening on ${baseUrl}`);
  return {
    baseUrl,
    port,
    stats: () => stats.snapshot(),
    setFaults: (faults) => {
      parts.faults = mergeFaults(parts.faults, faults);
    },
    resetStats: () => stats.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function checkedEnqueuedTokenLimits(limits: Record<string, number>): Record<string, number> {
  for (const [model, tokens] of Object.entries(limits)) {
    if (!Number.isInteger(tokens) || tokens < 0) throw new InvalidInputError(`The enqueued-token limit of model '${model}' must be a whole number ≥ 0, got ${JSON.stringify(tokens)}`);
  }
  return { ...limits };
}
