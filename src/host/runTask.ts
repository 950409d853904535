import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { OptionLayer } from '../shared/options';
import type { TaskSpec } from '../shared/taskFile';
import type { TaskEventSink } from '../shared/taskEvent';
import { InvalidInputError } from '../shared/errors';
import { openWandbRun, wandbConfigured, wandbEnvironment, type Logger } from '../engine';
import { defaultApiBaseUrl, withConnectionDetails } from '../engine/requester/connectionError';
import type { RunEnd } from '../engine/taskManager/runEnd';
import { createTaskManager } from './createTaskManager';
import { demoRegistry } from './demoRegistry';
import { loadTaskFile } from './loadTaskFile';
import { batchProviderFactory } from './batchProviderFactory';
import { nodeHttpFetch } from './nodeHttpFetch';
import { recordWandbLink } from './wandbLink';
import type { ResolvedOptions } from './resolvedOptions';

/** One task to run (or show), with the option layers that configure it. Both the CLI and the engine worker build these. */
export interface TaskInvocation {
  spec: TaskSpec;
  /** Option layers, later ones overriding earlier ones (task file first, then flags or the editor's mode). */
  layers: OptionLayer[];
  /** Directory that relative paths of the task are resolved against. */
  baseDir: string;
  /** Task directory when neither the task file nor the flags set one. */
  defaultTaskDir: string;
}

/** What a run needs from its host. */
export interface TaskRunHost {
  logger: Logger;
  /** Aborting it stops the run at the next safe point (the run then throws `InterruptedError`). */
  signal: AbortSignal;
  /** Environment the API key, base URL, organisation and W&B settings fall back to. */
  env: NodeJS.ProcessEnv;
  /** Where the user can set an API key, for the error when there is none. */
  noKeyAdvice: string;
  /** Where the user can set an Anthropic API key; derived from `noKeyAdvice` when unset. */
  anthropicNoKeyAdvice?: string;
  /** Base URL of a simulator to use instead of OpenAI (no key needed, no metrics). */
  simulatorBaseUrl?: string;
  /** Receives the task's live state as the run commits its work (see `TaskEvent`). */
  events?: TaskEventSink;
}

/** Where a task's files are and whether it completed. */
export interface TaskRunOutcome {
  /** The file-name prefix of the task's files (`task_prefix`, else the task name). */
  prefix: string;
  taskDir: string;
  allDone: boolean;
  /** Why the run ended: complete, a dry run, status only, a limit, or other work left. */
  end: RunEnd;
}

/**
 * Reads the task file and builds the invocation of task `wanted` (or of its only task). `overrides` is the last
 * option layer, named `overridesSource` in error messages (e.g. "command line").
 */
export async function taskFileInvocation(file: string, wanted: string | undefined, overrides: Record<string, unknown>, overridesSource: string): Promise<TaskInvocation> {
  const tasks = await loadTaskFile(file);
  const spec = wanted === undefined ? (tasks.length === 1 ? tasks[0] : undefined) : tasks.find((t) => t.name === wanted);
  if (spec === undefined) {
    const names = tasks.map((t) => t.name).join(', ') || '(none)';
    throw new InvalidInputError(wanted === undefined ? `${file} has several tasks (${names}); choose one with --task NAME` : `${file} has no task '${wanted}' (tasks: ${names})`);
  }
  const baseDir = path.dirname(file);
  return {
    spec,
    layers: [
      { source: `${file}, task '${spec.name}'`, values: spec.options },
      { source: overridesSource, values: overrides },
    ],
    baseDir,
    defaultTaskDir: path.join(baseDir, '.gpt-batch', spec.name),
  };
}

/**
 * Runs a task with its resolved options (or, with `run` off, shows its status) until it is done or cannot progress
 * now. This is the one code path of the CLI and the engine worker. Throws `InterruptedError` when `host.signal` stopped it at a safe point.
 */
export async function runTask(invocation: TaskInvocation, options: ResolvedOptions, host: TaskRunHost): Promise<TaskRunOutcome> {
  const { logger, env } = host;
  const { requester, taskManager, prefix, taskDir } = options;
  const simulating = host.simulatorBaseUrl !== undefined;
  // The engine creates only the task directory itself; task directories in a `.gpt-batch/` folder (the default
  // ones, and e.g. `npm run demo`'s) get that folder created too.
  if (options.defaultTaskDir || path.basename(path.dirname(taskDir)) === '.gpt-batch') await mkdir(path.dirname(taskDir), { recursive: true });
  const createProvider = batchProviderFactory({ options: requester, env, noKeyAdvice: host.noKeyAdvice, anthropicNoKeyAdvice: host.anthropicNoKeyAdvice, simulatorBaseUrl: host.simulatorBaseUrl, logger });
  const wandbWanted = requester.wandb ?? (wandbConfigured(env) && !requester.dryrun && !simulating);
  const task = await createTaskManager(
    invocation.spec,
    {
      taskDir,
      namePrefix: prefix,
      requester,
      taskManager,
      logger,
      createProvider,
      signal: host.signal,
      ...(host.events === undefined ? {} : { events: host.events }),
      openMetrics: wandbWanted
        ? (config) =>
            openWandbRun({
              ...wandbEnvironment(env),
              project: requester.wandb_project ?? 'gpt_batch_api',
              ...(requester.wandb_entity ? { entity: requester.wandb_entity } : {}),
              ...(requester.wandb_run_id ? { runId: requester.wandb_run_id } : {}),
              ...(requester.wandb_name ? { name: requester.wandb_name } : {}),
              ...(requester.wandb_group ? { group: requester.wandb_group } : {}),
              ...(requester.wandb_dir ? { dir: requester.wandb_dir } : {}),
              jobType: 'gpt_batch_api',
              config,
              logger,
              // Over node:http like the API client, so that a run never loads the global fetch's HTTP client.
              fetch: nodeHttpFetch() as typeof fetch,
            }).then((sink) => recordWandbLink(taskDir, prefix, sink, Math.floor(Date.now() / 1000)))
        : undefined,
    },
    demoRegistry,
    options.meta,
    invocation.baseDir,
    options.assumedCompletionRatio,
  );
  const providerBaseUrl = requester.provider === 'anthropic' ? (env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com') : (env.OPENAI_BASE_URL ?? defaultApiBaseUrl);
  const baseUrl = host.simulatorBaseUrl ?? requester.client_base_url ?? providerBaseUrl;
  const allDone = await task.run().catch((error: unknown) => {
    throw withConnectionDetails(error, baseUrl);
  });
  return { prefix, taskDir, allDone, end: task.runEnd };
}
