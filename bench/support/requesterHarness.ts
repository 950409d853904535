import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type OpenAI from 'openai';
import { deriveLimits, type RequesterOptions, resolveOptions } from '../../src/shared/options';
import type { Logger } from '../../src/engine/log';
import type { GptRequest } from '../../src/engine/requester/cachedRequest';
import { Requester } from '../../src/engine/requester/requester';
import { TokenCosting } from '../../src/engine/requester/tokenCosting';
import { TaskDb, taskDbPath } from '../../src/engine/db/taskDb';
import { FileStore } from '../../src/engine/store/fileStore';
import { InterruptGate } from '../../src/engine/store/interrupts';
import { TokenEstimator } from '../../src/engine/tokens/estimator';
import { nullMetricsSink } from '../../src/engine/wandb/metricsSink';

/** A logger that keeps only errors and counts warnings, so a benchmark can check that its run was clean. */
export class ProblemLogger implements Logger {
  readonly errors: string[] = [];
  warnings = 0;
  error(message: string): void {
    this.errors.push(message);
  }
  warn(): void {
    this.warnings += 1;
  }
  info(): void {}
  debug(): void {}
}

/** Requester options: the defaults with the given values applied (validated like a configuration file). */
export function benchRequesterOptions(values: Record<string, unknown> = {}): RequesterOptions {
  return resolveOptions([{ source: 'benchmark', values }]).requester;
}

/** A requester in a fresh temp directory; `close` removes the directory. */
export interface BenchRequester {
  requester: Requester;
  logger: ProblemLogger;
  dir: string;
  close(): void;
}

/** Opens a requester in a new temp directory with a store, an interrupt gate and no metrics. */
export async function openBenchRequester(client: OpenAI | null, values: Record<string, unknown> = {}): Promise<BenchRequester> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-bench-'));
  const options = benchRequesterOptions(values);
  const logger = new ProblemLogger();
  const estimator = new TokenEstimator({ warn: options.token_estimator_warn, logger, imageSizing: options.image_sizing });
  const costing = new TokenCosting(estimator, options, options.assumed_completion_ratio ?? 0.5);
  const db = TaskDb.openForWriting(taskDbPath(dir));
  const store = await FileStore.open(dir, { journalName: 'bench.journal', logger, db });
  const requester = await Requester.open({
    dir,
    prefix: 'bench',
    options,
    limits: deriveLimits(options),
    client,
    costing,
    logger,
    gate: new InterruptGate(),
    store,
    taskId: 'bench',
    metrics: nullMetricsSink,
    clock: Date.now,
  });
  const close = () => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { requester, logger, dir, close };
}

/** A small chat request, distinct per index. */
export function smallChatRequest(index: number): GptRequest {
  return {
    payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Give one word that rhymes with number ${index}.` }], max_completion_tokens: 400 },
    meta: { sample_key: `sample-${index}` },
  };
}
