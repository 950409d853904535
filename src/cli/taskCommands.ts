import path from 'node:path';
import { optionDefs } from '../shared/options';
import { demoNames, type DemoName } from '../shared/taskFile';
import { CorruptedStateError, InterruptedError, InvalidInputError } from '../shared/errors';
import { installSignalHandlers, noopLogger } from '../engine';
import { batchProviderFactory } from '../host/batchProviderFactory';
import { readTaskSnapshot } from '../host/readTaskSnapshot';
import { readTaskCaps } from '../host/taskCaps';
import { resolveTaskOptions } from '../host/resolvedOptions';
import { runTask, type TaskInvocation, taskFileInvocation } from '../host/runTask';
import { startSimulator, type Simulator } from '../sim/simulator';
import { closingLine } from './closingLine';
import { consoleLogger } from './consoleLogger';
import { ProgressLine } from './progressLine';
import { exitCodes } from './exitCodes';
import { parseFlags } from './flags';
import { renderHelp } from './help';
import { liveBatchStatuses, statusReport } from './statusReport';
import { progressOf } from './taskProgress';

/** `gpt-batch run` and `demo` run a task with the engine in this process; `status` reads its database. */

const cliDefs = optionDefs.filter((d) => d.cli !== false);

const noKeyAdvice = 'set OPENAI_API_KEY or pass --openai_api_key, or add --simulate to rehearse against the built-in simulator';

async function execute(invocation: TaskInvocation): Promise<number> {
  const options = resolveTaskOptions(invocation, process.env);
  const controller = new AbortController();
  const { prefix, taskDir } = options;
  // On a terminal a live line shows counts, costs and remote batches; plain log lines otherwise, for readable CI logs.
  const progress = process.stdout.isTTY ? new ProgressLine(process.stdout) : undefined;
  // A closed pipe stops the run at the next safe point, like Ctrl+C: nobody reads its log any more.
  const logger = consoleLogger(process.stdout, {
    onClosed: () => controller.abort('the standard output was closed'),
    beforeWrite: () => progress?.clear(),
    afterWrite: () => progress?.redraw(),
  });
  // The handlers stay until the process exits, so that a Ctrl+C during the last clean-up still stops gracefully.
  installSignalHandlers(controller, logger);
  let simulator: Simulator | undefined;
  try {
    if (options.program.simulate) {
      simulator = await startTaskSimulator(taskDir);
      const simulated = options.requester.provider === 'anthropic' ? `Anthropic API at ${simulator.baseUrl.replace(/\/v1$/, '')}` : `OpenAI API at ${simulator.baseUrl}`;
      logger.info(`Simulating the ${simulated} (no API key needed, nothing is billed)`);
    }
    const host = { logger, signal: controller.signal, env: process.env, noKeyAdvice, simulatorBaseUrl: simulator?.baseUrl, ...(progress ? { events: progress.update } : {}) };
    const { end } = await runTask(invocation, options, host);
    logger.info(closingLine(prefix, taskDir, end));
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof InterruptedError) {
      logger.warn(`Stopped at a safe point: ${error.message}; run the same command again to continue.`);
      return exitCodes.ok;
    }
    throw error;
  } finally {
    progress?.stop();
    await simulator?.close();
  }
}

/** The simulator of `--simulate`: its files and batches live in the task directory, so that an interrupted rehearsal resumes like a real run. */
async function startTaskSimulator(taskDir: string): Promise<Simulator> {
  try {
    return await startSimulator({ batchSeconds: 3, stateDir: path.join(taskDir, 'simulator') });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !['EACCES', 'EPERM', 'EROFS', 'ENOTDIR'].includes(code)) throw error;
    throw new InvalidInputError(`Cannot write to the task directory ${taskDir} (${code}): make it writable, or choose another directory with --task_dir (task file: "task_dir")`, { cause: error });
  }
}

function help(usage: string): string {
  return renderHelp(usage, cliDefs);
}

/** A task command: parses its flags, prints help for `--help`, and runs the task that `invocationOf` picks. */
function taskCommand(usage: string, invocationOf: (values: Record<string, unknown>, positionals: string[]) => Promise<TaskInvocation> | TaskInvocation) {
  return async (argv: string[]): Promise<number> => {
    const flags = parseFlags(argv, cliDefs);
    if (flags.help) {
      console.log(help(usage));
      return exitCodes.ok;
    }
    return execute(await invocationOf(flags.values, flags.positionals));
  };
}

/** `gpt-batch run [--config gpt-batch.json] [--task NAME] [flags]` */
export const runRunCommand = taskCommand(
  'Usage: gpt-batch run [--config gpt-batch.json] [--task NAME] [options]\n\nRuns a task of the task file; flags override the task file.',
  cliTaskFileInvocation,
);

const statusUsage =
  'Usage: gpt-batch status [--config gpt-batch.json] [--task NAME] [--remote] [--json] [options]\n\n' +
  'Shows the status of a task from its database, read-only: it takes no lock and needs no API or W&B key, so it\n' +
  'answers at once, also while a run is going on. With --remote it also asks the provider for the live status of\n' +
  'the remote batches (then it needs the API key). With --json it prints one JSON document: the task summary\n' +
  '(counts, costs, the estimate of what is committed and not processed, batches), its cost caps and, with\n' +
  '--remote, what the provider said of each remote batch.';

/** `gpt-batch status [--config gpt-batch.json] [--task NAME] [--remote] [--json]`: the task's status, read-only. */
export async function runStatusCommand(argv: string[]): Promise<number> {
  const remote = argv.includes('--remote');
  const json = argv.includes('--json');
  const flags = parseFlags(
    argv.filter((arg) => arg !== '--remote' && arg !== '--json'),
    cliDefs,
  );
  if (flags.help) {
    console.log(help(statusUsage));
    return exitCodes.ok;
  }
  const options = resolveTaskOptions(await namedTaskInvocation(flags.values, flags.positionals), process.env, true);
  const snapshot = await readTaskSnapshot({ name: options.prefix, taskDir: options.taskDir, prefix: options.prefix }, options.requester);
  if (snapshot.error !== undefined) throw new CorruptedStateError(path.join(options.taskDir, 'task.db'), snapshot.error);
  if (!snapshot.started && !json) {
    console.log(`Task '${options.prefix}' has not run yet: ${options.taskDir} holds no task database`);
    return exitCodes.ok;
  }
  const live = remote && snapshot.started ? await liveBatchStatuses(batchProviderFactory({ options: options.requester, env: process.env, noKeyAdvice, logger: noopLogger })(), snapshot) : new Map();
  const caps = readTaskCaps({ name: options.prefix, taskDir: options.taskDir, prefix: options.prefix }, options.requester);
  if (json) {
    console.log(JSON.stringify({ ...snapshot, caps, ...(remote ? { providerStatus: Object.fromEntries(live) } : {}) }, null, 2));
    return exitCodes.ok;
  }
  for (const line of statusReport(snapshot, caps, live, options.requester.output_expires_after, Math.floor(Date.now() / 1000))) console.log(line);
  console.log(closingLine(options.prefix, options.taskDir, { kind: 'statusOnly', complete: progressOf(snapshot) === 'complete' }));
  return exitCodes.ok;
}

/** The task that `--task NAME` names without running it: a demo (unless `--config` is given) or a task of the task file. */
export async function namedTaskInvocation(values: Record<string, unknown>, positionals: string[]): Promise<TaskInvocation> {
  return values.config === undefined && values.task !== undefined && demoNames.includes(values.task as DemoName)
    ? demoInvocation(values, positionals)
    : cliTaskFileInvocation(values, positionals);
}

/** `gpt-batch demo --task char_codes|utterance_emotion [flags]`, the counterpart of the Python demo module. */
export const runDemoCommand = taskCommand(
  'Usage: gpt-batch demo --task char_codes|utterance_emotion [options]\n\nRuns a built-in demo task.',
  demoInvocation,
);

function demoInvocation(values: Record<string, unknown>, positionals: string[]): TaskInvocation {
  if (positionals.length > 0) throw new InvalidInputError(`Unexpected argument '${positionals[0]}'`);
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

async function cliTaskFileInvocation(values: Record<string, unknown>, positionals: string[]): Promise<TaskInvocation> {
  if (positionals.length > 0) throw new InvalidInputError(`Unexpected argument '${positionals[0]}'`);
  const { task, config, ...flagValues } = values;
  return taskFileInvocation(path.resolve(String(config ?? 'gpt-batch.json')), task as string | undefined, flagValues, 'command line');
}
