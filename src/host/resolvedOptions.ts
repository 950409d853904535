import path from 'node:path';
import {
  resolveEndpoint,
  resolveOptions,
  type ProgramOptions,
  type RequesterOptions,
  type TaskManagerOptions,
  type TaskMetaOptions,
} from '../shared/options';
import { knownPrices } from '../engine';
import type { TaskInvocation } from './runTask';

/**
 * The published prices of a template task's model, for the cost options no layer set: the option defaults are
 * gpt-4o's, which overstate gpt-4o-mini sixteenfold and say nothing about Claude. Anthropic halves cache reads in
 * batches; OpenAI's cached rate in a batch stays the batch input price unless set (openai-api.md section 8).
 */
function modelPrices(invocation: TaskInvocation, provider: RequesterOptions['provider'], explicit: ReadonlySet<string>): Partial<RequesterOptions> {
  const model = invocation.spec.kind === 'template' ? invocation.spec.template.request.model : undefined;
  const prices = typeof model === 'string' ? knownPrices(model) : undefined;
  if (prices === undefined) return {};
  const rates: Partial<RequesterOptions> = provider === 'anthropic' ? { ...prices, cost_input_batch_cached_mtoken: prices.cost_input_cached_mtoken / 2 } : prices;
  return Object.fromEntries(Object.entries(rates).filter(([key]) => !explicit.has(key)));
}

/**
 * Every option of one run, resolved once from the invocation's layers and the environment, with the rules that tie
 * options together already applied. The host builds it and passes it down; nothing below re-reads the layers.
 */
export interface ResolvedOptions {
  /** With the endpoint resolved (a demo's `chat_endpoint`, else `endpoint`, else OPENAI_ENDPOINT). */
  requester: RequesterOptions;
  /** With `run` off when only the status is wanted. */
  taskManager: TaskManagerOptions;
  meta: TaskMetaOptions;
  program: ProgramOptions;
  /** The file-name prefix of the task's files (`task_prefix`, else the task name). */
  prefix: string;
  /** Absolute task directory. */
  taskDir: string;
  /** True when `task_dir` came from no layer, so the default one beside the task file is used. */
  defaultTaskDir: boolean;
  /** The seed's `assumed_completion_ratio` when a layer set it; it stands in for a demo's `completion_ratio`. */
  assumedCompletionRatio: number | undefined;
}

/** Resolves the options of `invocation`; `statusOnly` runs nothing. Bad values are InvalidInputErrors naming their source. */
export function resolveTaskOptions(invocation: TaskInvocation, env: NodeJS.ProcessEnv, statusOnly = false): ResolvedOptions {
  const resolved = resolveOptions(invocation.layers);
  const requester: RequesterOptions = {
    ...resolved.requester,
    endpoint: invocation.spec.kind === 'demo' ? resolved.meta.chat_endpoint : resolveEndpoint(resolved.requester.endpoint, env, resolved.requester.provider),
  };
  if (resolved.taskManager.wipe_failed) requester.wipe_requests = true;
  Object.assign(requester, modelPrices(invocation, requester.provider, resolved.explicit));
  return {
    requester,
    taskManager: { ...resolved.taskManager, run: statusOnly ? false : resolved.taskManager.run },
    meta: resolved.meta,
    program: resolved.program,
    prefix: resolved.meta.task_prefix ?? invocation.spec.name,
    taskDir: path.resolve(resolved.meta.task_dir ?? invocation.defaultTaskDir),
    defaultTaskDir: resolved.meta.task_dir === null,
    assumedCompletionRatio: resolved.explicit.has('assumed_completion_ratio') ? (resolved.requester.assumed_completion_ratio ?? undefined) : undefined,
  };
}
