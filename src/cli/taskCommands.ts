import fs from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import { optionDefs, resolveEndpoint, resolveOptions, type OptionLayer, type RequesterOptions } from '../shared/options';
import { demoNames, type DemoName, type TaskSpec } from '../shared/taskFile';
import { InterruptedError, InvalidInputError } from '../engine/errors';
import { installSignalHandlers } from '../engine/store/interrupts';
import { createTaskManager } from '../engine/taskFile/createTaskManager';
import { loadTaskFile } from '../engine/taskFile/loadTaskFile';
import { openWandbRun, wandbEnvironment } from '../engine/wandb/wandbRun';
import { startSimulator, type Simulator } from '../sim/simulator';
import { consoleLogger } from './consoleLogger';
import { exitCodes } from './exitCodes';
import { parseFlags } from './flags';
import { renderHelp } from './help';

/** `gpt-batch run`, `demo` and `status`: run a task (or show its status) with the engine in this process. */

const cliDefs = optionDefs.filter((d) => d.cli !== false);

interface Invocation {
  spec: TaskSpec;
  layers: OptionLayer[];
  /** Directory that relative paths of the task are resolved against. */
  baseDir: string;
  /** Task directory when neither the task file nor the flags set one. */
  defaultTaskDir: string;
}

/** The API client of a run: the simulator's when simulating, else OpenAI (or `client_base_url`) with a key. */
function clientFactory(o: RequesterOptions, simulator: Simulator | undefined, env: NodeJS.ProcessEnv): () => OpenAI {
  if (simulator !== undefined) return () => new OpenAI({ apiKey: 'sim', baseURL: simulator.baseUrl, maxRetries: 4 });
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

async function execute(invocation: Invocation, statusOnly: boolean): Promise<number> {
  const controller = new AbortController();
  // A closed pipe stops the run at the next safe point, like Ctrl+C: nobody reads its log any more.
  const logger = consoleLogger(process.stdout, { onClosed: () => controller.abort('the standard output was closed') });
  const resolved = resolveOptions(invocation.layers);
  const env = process.env;
  const requester: RequesterOptions = { ...resolved.requester, endpoint: resolveEndpoint(resolved.requester.endpoint, env) };
  if (invocation.spec.kind === 'demo') requester.endpoint = resolved.meta.chat_endpoint;
  const taskManager = { ...resolved.taskManager, run: statusOnly ? false : resolved.taskManager.run };
  if (taskManager.wipe_failed) requester.wipe_requests = true;
  const simulate = resolved.program.simulate;
  const name = resolved.meta.task_prefix ?? invocation.spec.name;
  const taskDir = path.resolve(resolved.meta.task_dir ?? invocation.defaultTaskDir);
  const uninstall = installSignalHandlers(controller, logger);
  let simulator: Simulator | undefined;
  try {
    if (simulate) {
      simulator = await startSimulator({ batchSeconds: 3 });
      logger.info(`Simulating the OpenAI API at ${simulator.baseUrl} (no API key needed, nothing is billed)`);
    }
    const createClient = clientFactory(requester, simulator, env);
    if (requester.autocreate_working_dir) await createStateFolder(taskDir);
    const wandbWanted = requester.wandb ?? (!requester.dryrun && !simulate);
    const task = await createTaskManager(
      invocation.spec,
      {
        taskDir,
        namePrefix: name,
        requester,
        taskManager,
        logger,
        createClient,
        signal: controller.signal,
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
    const allDone = await task.run();
    logger.info(allDone ? `Task '${name}' is complete; its output is in ${taskDir}` : `Task '${name}' has work left; run the same command again to continue (files in ${taskDir})`);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof InterruptedError) {
      logger.warn(`Stopped at a safe point: ${error.message}. Everything up to the last finished unit of work is saved; run the same command again to continue.`);
      return exitCodes.ok;
    }
    throw error;
  } finally {
    uninstall();
    await simulator?.close();
  }
}

/** The folder that holds the task directories by convention (the default task directories live in it). */
const stateFolderName = '.gpt-batch';

/**
 * Creates the `.gpt-batch` folder when the task directory is directly inside a missing one, so that default task
 * directories (and `npm run demo`) work in a fresh checkout; the engine itself creates only the task directory.
 */
async function createStateFolder(taskDir: string): Promise<void> {
  const parent = path.dirname(taskDir);
  if (path.basename(parent) !== stateFolderName) return;
  try {
    await fs.mkdir(parent);
  } catch (error) {
    // A missing grandparent is left to the engine, whose error names the task directory it cannot create.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOENT') throw error;
  }
}

function help(usage: string): string {
  return renderHelp(usage, cliDefs);
}

/** `gpt-batch run [--config gpt-batch.json] [--task NAME] [flags]` */
export async function runRunCommand(argv: string[]): Promise<number> {
  const usage = 'Usage: gpt-batch run [--config gpt-batch.json] [--task NAME] [options]\n\nRuns a task of the task file; flags override the task file.';
  const flags = parseFlags(argv, cliDefs);
  if (flags.help) {
    console.log(help(usage));
    return exitCodes.ok;
  }
  const invocation = await taskFileInvocation(flags.values, flags.positionals);
  return execute(invocation, false);
}

/** `gpt-batch status [--config gpt-batch.json] [--task NAME]`: the task's status without running it. */
export async function runStatusCommand(argv: string[]): Promise<number> {
  const usage = 'Usage: gpt-batch status [--config gpt-batch.json] [--task NAME] [options]\n\nShows the status of a task without running it.';
  const flags = parseFlags(argv, cliDefs);
  if (flags.help) {
    console.log(help(usage));
    return exitCodes.ok;
  }
  const invocation = flags.values.config === undefined && flags.values.task !== undefined && demoNames.includes(flags.values.task as DemoName)
    ? demoInvocation(flags.values)
    : await taskFileInvocation(flags.values, flags.positionals);
  return execute(invocation, true);
}

/** `gpt-batch demo --task char_codes|utterance_emotion [flags]`, the counterpart of the Python demo module. */
export async function runDemoCommand(argv: string[]): Promise<number> {
  const usage = 'Usage: gpt-batch demo --task char_codes|utterance_emotion [options]\n\nRuns a built-in demo task.';
  const flags = parseFlags(argv, cliDefs);
  if (flags.help) {
    console.log(help(usage));
    return exitCodes.ok;
  }
  if (flags.positionals.length > 0) throw new InvalidInputError(`Unexpected argument '${flags.positionals[0]}'`);
  return execute(demoInvocation(flags.values), false);
}

function demoInvocation(values: Record<string, unknown>): Invocation {
  const task = values.task;
  if (typeof task !== 'string' || !demoNames.includes(task as DemoName)) {
    throw new InvalidInputError(`--task must name a demo: ${demoNames.join(' or ')}${task === undefined ? '' : ` (unrecognised task '${String(task)}')`}`);
  }
  const demo = task as DemoName;
  return {
    spec: { kind: 'demo', name: demo, demo, options: {} },
    layers: [{ source: 'command line', values }],
    baseDir: process.cwd(),
    defaultTaskDir: path.join(process.cwd(), '.gpt-batch', demo),
  };
}

async function taskFileInvocation(values: Record<string, unknown>, positionals: string[]): Promise<Invocation> {
  if (positionals.length > 0) throw new InvalidInputError(`Unexpected argument '${positionals[0]}'`);
  const file = path.resolve(String(values.config ?? 'gpt-batch.json'));
  const tasks = await loadTaskFile(file);
  const wanted = values.task as string | undefined;
  const spec = wanted === undefined ? (tasks.length === 1 ? tasks[0] : undefined) : tasks.find((t) => t.name === wanted);
  if (spec === undefined) {
    const names = tasks.map((t) => t.name).join(', ') || '(none)';
    throw new InvalidInputError(wanted === undefined ? `${file} has several tasks (${names}); choose one with --task NAME` : `${file} has no task '${wanted}' (tasks: ${names})`);
  }
  const baseDir = path.dirname(file);
  const { task: _task, config: _config, ...flagValues } = values;
  return {
    spec,
    layers: [
      { source: `${file}, task '${spec.name}'`, values: spec.options },
      { source: 'command line', values: flagValues },
    ],
    baseDir,
    defaultTaskDir: path.join(baseDir, '.gpt-batch', spec.name),
  };
}
