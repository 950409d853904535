import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { MemoryLogger } from '../../../src/engine/log';
import type { TaskManagerInit } from '../../../src/engine/taskManager/taskManager';
import { resolveOptions, type RequesterOptions, type TaskManagerOptions } from '../../../src/shared/options';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/sim/simulator';
import { taskDbContent } from './taskStateAt';
import type { RequesterState } from '../../../src/shared/requesterState';
import { RequesterRecords } from '../../../src/engine/db/requesterRecords';
import { TaskDb, taskDbPath } from '../../../src/engine/db/taskDb';

/** What a test changes in a task manager's init; everything else takes the engine defaults. */
export interface InitOverrides {
  prefix?: string;
  initMeta?: Record<string, unknown>;
  requester?: Partial<RequesterOptions>;
  taskManager?: Partial<TaskManagerOptions>;
  /** Rewrites what the simulator answers, in transit (see `rewritingFetch`). */
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** A simulator with fast batches, and a way to build task manager inits that talk to it over HTTP. */
export interface TaskHarness {
  readonly sim: Simulator;
  readonly logger: MemoryLogger;
  init(dir: string, overrides?: InitOverrides): TaskManagerInit;
  close(): Promise<void>;
}

/** Starts the simulator; batches complete after `batchSeconds` (default 0.3 s). */
export async function startTaskHarness(options: SimulatorOptions = {}): Promise<TaskHarness> {
  const sim = await startSimulator({ batchSeconds: 0.3, ...options });
  const logger = new MemoryLogger();
  const defaults = resolveOptions([]);
  return {
    sim,
    logger,
    init: (dir, overrides = {}) => ({
      taskDir: dir,
      namePrefix: overrides.prefix ?? 'test',
      initMeta: overrides.initMeta ?? { model: 'gpt-4o-mini', max_completion_tokens: 60 },
      requester: { ...defaults.requester, wandb: false, ...overrides.requester },
      taskManager: { ...defaults.taskManager, ...overrides.taskManager },
      logger,
      createClient: () => new OpenAI({ apiKey: 'sim', baseURL: sim.baseUrl, maxRetries: 2, ...(overrides.fetch ? { fetch: overrides.fetch } : {}) }),
      ...(overrides.signal ? { signal: overrides.signal } : {}),
    }),
    close: () => sim.close(),
  };
}

/** The content of every file in `dir` (not the lock), by name, to compare a directory before and after. */
export function snapshotDir(dir: string, ignore: (name: string) => boolean = (name) => name.includes('.lock')): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (ignore(name) || name.startsWith('task.db') || !fs.statSync(file).isFile()) continue;
    out.set(name, fs.readFileSync(file, 'latin1'));
  }
  for (const [name, content] of Object.entries(taskDbContent(dir))) out.set(name, content);
  return out;
}

/** The parsed lines of a JSONL file. */
export function readJsonlLines<T = Record<string, unknown>>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

/** The requester state of a task directory. */
export function readRequesterState(dir: string, prefix = 'test'): RequesterState {
  const db = TaskDb.openReadonly(taskDbPath(dir));
  if (db === undefined) throw new Error(`no task database in ${dir}`);
  try {
    const state = new RequesterRecords(db, dir, prefix).loadState();
    if (state === undefined) throw new Error(`no requester state in ${dir}`);
    return state;
  } finally {
    db.close();
  }
}

/** Files in `dir` whose names match. */
export function filesMatching(dir: string, pattern: RegExp): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => pattern.test(name))
    .sort();
}

/**
 * A fetch that lets the simulator answer, then rewrites the first choice's JSON content of chat completions for
 * which `rewrite(userText, answer)` returns a new answer (unchanged when it returns undefined). This is how a test
 * gets a server that answers wrongly (a mismatched character, too few occurrences, a refusal).
 */
export function rewritingFetch(rewrite: (userText: string, message: Record<string, unknown>) => Record<string, unknown> | undefined): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.endsWith('/chat/completions') || !response.ok || typeof init?.body !== 'string') return response;
    const request = JSON.parse(init.body) as { messages: { role: string; content: string }[] };
    const userText = request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    const body = (await response.json()) as { choices: { message: Record<string, unknown> }[] };
    const first = body.choices[0];
    if (first !== undefined) {
      const replaced = rewrite(userText, first.message);
      if (replaced !== undefined) first.message = replaced;
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers });
  };
}
