import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import { resolveEndpoint, resolveOptions, type OptionLayer, type RequesterOptions } from '../../shared/options';
import type { TaskSpec } from '../../shared/taskFile';
import { InvalidInputError } from '../errors';
import { defaultApiBaseUrl, withConnectionDetails } from '../requester/connectionError';
import type { Logger } from '../log';
import type { RunEnd } from '../taskManager/runEnd';
import { openWandbRun, wandbConfigured, wandbEnvironment } from '../wandb/wandbRun';
import { createTaskManager } from './createTaskManager';
import { loadTaskFile } from './loadTaskFile';

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
  /** Only load the task and log its status; nothing runs. */
  statusOnly?: boolean;
  /** Base URL of a simulator to use instead of OpenAI (no key needed, no metrics). */
  simulatorBaseUrl?: string;
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

/** The task directory and file prefix an invocation uses, without running anything. */
export function taskLocation(invocation: TaskInvocation): { prefix: string; taskDir: string } {
  const resolved = resolveOptions(invocation.layers);
  return {
    prefix: resolved.meta.task_prefix ?? invocation.spec.name,
    taskDir: path.resolve(resolved.meta.task_dir ?? invocation.defaultTaskDir),
  };
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

/** The API client of a run: the simulator's when simulating, else OpenAI (or `client_base_url`) with a key. */
function clientFactory(o: RequesterOptions, simulatorBaseUrl: string | undefined, env: NodeJS.ProcessEnv): () => OpenAI {
  if (simulatorBaseUrl !== undefined) return () => new OpenAI({ apiKey: 'sim', baseURL: simulatorBaseUrl, maxRetries: 4 });
  const apiKey = o.openai_api_key ?? env.OPENAI_API_KEY;
  if (!apiKey && !o.dryrun) {
    throw new InvalidInputError('No OpenAI API key: set OPENAI_API_KEY or pass --openai_api_key, or add --simulate to rehearse against the built-in simulator');
  }
  return () =>
    new OpenAI({
      apiKey: apiKey ?? 'unused-in-dry-run',
      baseURL: o.client_base_url ?? env.OPENAI_BASE_URL ?? undefined,
      organization: o.openai_organization ?? env.OPENAI_ORG_ID ?? null,
      project: o.openai_project ?? env.OPENAI_PROJECT_ID ?? null,
      maxRetries: 4,
    });
}

/**
 * Runs a task (or, with `statusOnly`, shows its status) until it is done or cannot progress now. This is the one code
 * path of the CLI and the engine worker. Throws `InterruptedError` when `host.signal` stopped it at a safe point.
 */
export async function runTask(invocation: TaskInvocation, host: TaskRunHost): Promise<TaskRunOutcome> {
  const { logger, env } = host;
  const resolved = resolveOptions(invocation.layers);
  const requester: RequesterOptions = { ...resolved.requester, endpoint: resolveEndpoint(resolved.requester.endpoint, env) };
  if (invocation.spec.kind === 'demo') requester.endpoint = resolved.meta.chat_endpoint;
  const taskManager = { ...resolved.taskManager, run: host.statusOnly === true ? false : resolved.taskManager.run };
  if (taskManager.wipe_failed) requester.wipe_requests = true;
  const simulating = host.simulatorBaseUrl !== undefined;
  const { prefix, taskDir } = taskLocation(invocation);
  // The engine creates only the task directory itself; task directories in a `.gpt-batch/` folder (the default
  // ones, and e.g. `npm run demo`'s) get that folder created too.
  if (resolved.meta.task_dir === null || path.basename(path.dirname(taskDir)) === '.gpt-batch') await mkdir(path.dirname(taskDir), { recursive: true });
  const createClient = clientFactory(requester, host.simulatorBaseUrl, env);
  const wandbWanted = requester.wandb ?? (wandbConfigured(env) && !requester.dryrun && !simulating);
  const task = await createTaskManager(
    invocation.spec,
    {
      taskDir,
      namePrefix: prefix,
      requester,
      taskManager,
      logger,
      createClient,
      signal: host.signal,
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
            })
        : undefined,
    },
    resolved.meta,
    invocation.baseDir,
    resolved.explicit.has('assumed_completion_ratio') ? (requester.assumed_completion_ratio ?? undefined) : undefined,
  );
  const baseUrl = host.simulatorBaseUrl ?? requester.client_base_url ?? env.OPENAI_BASE_URL ?? defaultApiBaseUrl;
  const allDone = await task.run().catch((error: unknown) => {
    throw withConnectionDetails(error, baseUrl);
  });
  return { prefix, taskDir, allDone, end: task.runEnd };
}
