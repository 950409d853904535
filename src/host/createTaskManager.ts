import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TaskMetaOptions } from '../shared/options';
import type { TaskSpec } from '../shared/taskFile';
import { InvalidInputError } from '../shared/errors';
import { endpointWireFor, errorInfo, JsonlOutputFile, JsonOutputFile, OpinionAdviser, TaskManager, type TaskManagerInit } from '../engine';
import type { DemoEntry, DemoRegistry } from './demoRegistry';
import { TemplateTask } from './templateTask';

/** Everything but the meta of a task manager's init; the meta comes from the task kind. */
export type TaskHost = Omit<TaskManagerInit, 'initMeta'>;

/**
 * The meta of a demo task: its defaults, overridden by the task-metadata options that are set. An explicit
 * `assumed_completion_ratio` (the seed's flag) stands in for `completion_ratio` when that is not set.
 */
export function demoInitMeta(demo: DemoEntry, meta: TaskMetaOptions, assumedCompletionRatio: number | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...demo.defaultMeta };
  if (assumedCompletionRatio !== undefined) out.completion_ratio = assumedCompletionRatio;
  for (const key of demo.metaOptions) {
    const value = (meta as Record<string, unknown>)[key];
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * What a module task's `createTask(context)` receives: the engine's public task API, the host's init (pass it to the
 * TaskManager constructor) and the task's free-form `module_options`.
 */
export interface ModuleTaskContext {
  init: TaskManagerInit;
  moduleOptions: Record<string, unknown>;
  TaskManager: typeof TaskManager;
  JsonOutputFile: typeof JsonOutputFile;
  JsonlOutputFile: typeof JsonlOutputFile;
  OpinionAdviser: typeof OpinionAdviser;
  errorInfo: typeof errorInfo;
  /** The wire format of an endpoint: `answerOutput` reads an answer payload the way template tasks do. */
  endpointWireFor: typeof endpointWireFor;
}

async function loadModuleTask(file: string, context: ModuleTaskContext, taskName: string): Promise<TaskManager> {
  let loaded: { createTask?: unknown; default?: { createTask?: unknown } };
  try {
    loaded = (await import(pathToFileURL(file).href)) as typeof loaded;
  } catch (error) {
    throw new InvalidInputError(`task '${taskName}': cannot load module ${file}: ${(error as Error).message}`);
  }
  const createTask = loaded.createTask ?? loaded.default?.createTask;
  if (typeof createTask !== 'function') throw new InvalidInputError(`task '${taskName}': module ${file} does not export a function createTask(context)`);
  const task = (await createTask(context)) as unknown;
  if (!(task instanceof TaskManager)) throw new InvalidInputError(`task '${taskName}': createTask of ${file} must return an instance of context.TaskManager`);
  return task;
}

/**
 * Builds the task manager of a task-file task (or a demo, from `demos`). `baseDir` resolves the task's relative paths.
 */
export async function createTaskManager(spec: TaskSpec, host: TaskHost, demos: DemoRegistry, meta: TaskMetaOptions, baseDir: string, assumedCompletionRatio?: number): Promise<TaskManager> {
  switch (spec.kind) {
    case 'demo': {
      const demo = demos[spec.demo];
      return demo.create({ ...host, initMeta: demoInitMeta(demo, meta, assumedCompletionRatio) });
    }
    case 'template':
      return new TemplateTask({ ...host, initMeta: { request: spec.template.request } }, spec.template, baseDir, spec.name);
    case 'module': {
      const init = { ...host, initMeta: spec.module.module_options ?? {} };
      return loadModuleTask(path.resolve(baseDir, spec.module.module), {
        init,
        moduleOptions: spec.module.module_options ?? {},
        TaskManager,
        JsonOutputFile,
        JsonlOutputFile,
        OpinionAdviser,
        errorInfo,
        endpointWireFor,
      }, spec.name);
    }
  }
}
