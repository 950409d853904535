import { InterruptedError, InvalidInputError } from '../shared/errors';
import type { Logger } from '../engine';
import { batchProviderFactory } from '../host/batchProviderFactory';
import { resolveTaskOptions, type ResolvedOptions } from '../host/resolvedOptions';
import { runTask, type TaskInvocation, taskFileInvocation } from '../host/runTask';
import { finishedShare, type TaskEvent, type TaskEventSink } from '../shared/taskEvent';
import type { NotificationMethod, NotificationParams, ProgressParams, RequestParams, RequestResult, RunMode, VerboseExchange } from '../protocol/messages';
import { parseVerboseBlock } from './verboseCapture';

/** The engine reports every committed unit; the editor is told at most this often (the newest state wins). */
const notifyIntervalMs = 250;

const noKeyAdvice = 'set one with "GPT Batch: Set API Key" or OPENAI_API_KEY';
const anthropicNoKeyAdvice = 'set one with "GPT Batch: Set Anthropic API Key" or ANTHROPIC_API_KEY';

type Notify = <M extends NotificationMethod>(method: M, params: NotificationParams<M>) => void;

interface ActiveRun {
  controller: AbortController;
  finished: Promise<unknown>;
}

/** The engine options a run's params set on top of the task file's: its mode's, and the pilot's size when given. */
function runOverrides(params: RequestParams<'task/run'>): Record<string, unknown> {
  return { ...modeOverrides(params.mode, params.count, params.noRun ?? false), ...(params.pilot === undefined ? {} : { pilot: params.pilot }) };
}

/** The engine options each mode sets on top of the task file's. */
function modeOverrides(mode: RunMode, count: number | undefined, noRun: boolean): Record<string, unknown> {
  const run = { run: !noRun };
  switch (mode) {
    case 'run':
    case 'status':
      return {};
    case 'dryRun':
      return { dryrun: true };
    case 'commitOnly':
      return { commit_only: true };
    case 'previewRequests':
      return { dryrun: true, force_direct: true, direct_verbose: 'always', max_session_requests: count ?? 1 };
    case 'directVerbose':
      return { force_direct: true, direct_verbose: 'always', max_session_requests: count ?? 1 };
    case 'onlyProcess':
      return { only_process: true };
    case 'wipeRequests':
      return { wipe_requests: true, ...run };
    case 'wipeFailed':
      return { wipe_failed: true, ...run };
    case 'wipeTask':
      return { wipe_task: true, ...run };
    case 'reinitMeta':
      return { reinit_meta: true, run: false };
  }
}

/**
 * The engine side of the protocol's task methods: runs tasks (one run per task at a time), stops them and cancels
 * remote batches; the reader (ReadService) answers the editor's reads. Log lines go to `logger`; progress and changes to `notify`.
 */
export class TaskService {
  private readonly runs = new Map<string, ActiveRun>();

  constructor(
    private readonly logger: Logger,
    private readonly notify: Notify,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Names of the tasks running now. */
  get running(): string[] {
    return [...this.runs.keys()];
  }

  async run(params: RequestParams<'task/run'>): Promise<RequestResult<'task/run'>> {
    if (this.runs.has(params.task)) throw new InvalidInputError(`Task '${params.task}' is already running; stop it first`);
    const controller = new AbortController();
    // Registered before the first await, so a second run of the same task is refused even while this one loads.
    const active: ActiveRun = { controller, finished: Promise.resolve() };
    this.runs.set(params.task, active);
    const env = this.envWithKeys(params);
    let invocation: TaskInvocation;
    let options: ResolvedOptions;
    try {
      invocation = await taskFileInvocation(params.file, params.task, runOverrides(params), `the editor (${params.mode})`);
      options = resolveTaskOptions(invocation, env, params.mode === 'status');
    } catch (error) {
      this.runs.delete(params.task);
      throw error;
    }
    const exchanges: VerboseExchange[] = [];
    const lines: string[] = [];
    const logger = this.capturingLogger(exchanges, lines);
    const progress = this.forwardEvents(params.task);
    const running = runTask(invocation, options, { logger, signal: controller.signal, env, noKeyAdvice, anthropicNoKeyAdvice, events: progress.events });
    // stopAll only waits for the run to end; its outcome or error goes to the caller of run.
    active.finished = running.then(
      () => undefined,
      () => undefined,
    );
    try {
      const { allDone, end } = await running;
      return { outcome: allDone ? 'done' : 'incomplete', exchanges, lines, ...(end.kind === 'committed' ? { committed: end.committed } : {}) };
    } catch (error) {
      if (error instanceof InterruptedError) {
        this.logger.warn(`Task '${params.task}' stopped at a safe point: ${error.message}`);
        return { outcome: 'stopped', exchanges, lines };
      }
      throw error;
    } finally {
      this.runs.delete(params.task);
      progress.stop();
    }
  }

  /** Asks the task's run to stop at its next safe point; the run's `task/run` request then answers `stopped`. */
  stop(task: string): boolean {
    const run = this.runs.get(task);
    run?.controller.abort();
    return run !== undefined;
  }

  /** Stops every run and waits until they have reached their safe points. */
  async stopAll(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) run.controller.abort();
    await Promise.all(runs.map((run) => run.finished));
  }

  /** Cancels a remote batch through the API the task is configured for. */
  async cancelBatch(params: RequestParams<'batch/cancel'>): Promise<RequestResult<'batch/cancel'>> {
    const invocation = await taskFileInvocation(params.file, params.task, {}, 'the editor');
    const env = this.envWithKeys(params);
    const options = resolveTaskOptions(invocation, env);
    // Cancelling is never a dry run: the key is needed even when the task file sets `dryrun`.
    const provider = batchProviderFactory({ options: { ...options.requester, dryrun: false }, env, noKeyAdvice, anthropicNoKeyAdvice, logger: this.logger })();
    const batch = await provider.cancelBatch(params.remoteId);
    this.logger.info(`Asked the provider to cancel batch ${params.remoteId} of task '${params.task}': now ${batch.status}`);
    this.notify('task/changed', { task: params.task, running: this.runs.has(params.task) });
    return { status: batch.status };
  }

  /** The environment of a request: the editor's stored keys, when it sent them, stand in for OPENAI_API_KEY and ANTHROPIC_API_KEY. */
  private envWithKeys({ apiKey, anthropicApiKey }: { apiKey?: string; anthropicApiKey?: string }): NodeJS.ProcessEnv {
    return { ...this.env, ...(apiKey === undefined ? {} : { OPENAI_API_KEY: apiKey }), ...(anthropicApiKey === undefined ? {} : { ANTHROPIC_API_KEY: anthropicApiKey }) };
  }

  private capturingLogger(exchanges: VerboseExchange[], lines: string[]): Logger {
    const keep = (message: string) => {
      lines.push(message);
      try {
        const exchange = parseVerboseBlock(message);
        if (exchange !== undefined) exchanges.push(exchange);
      } catch (error) {
        this.logger.warn(`A verbose request block could not be read back, so it opens in no editor tab: ${(error as Error).message}`);
      }
    };
    return {
      error: (message, ...args) => this.logger.error(message, ...args),
      warn: (message, ...args) => (keep(message), this.logger.warn(message, ...args)),
      info: (message, ...args) => (keep(message), this.logger.info(message, ...args)),
      debug: (message, ...args) => this.logger.debug(message, ...args),
    };
  }

  /**
   * Forwards the engine's events of a run to the editor as `task/progress` and `task/changed`, coalesced to one per
   * `notifyIntervalMs`; `stop` sends the last state with `running: false`.
   */
  private forwardEvents(task: string): { events: TaskEventSink; stop(): void } {
    let latest: TaskEvent | undefined;
    let timer: NodeJS.Timeout | undefined;
    let unsent = false;
    const send = (running: boolean) => {
      unsent = false;
      if (latest !== undefined) this.notify('task/progress', progressParams(task, latest, running));
      this.notify('task/changed', { task, running });
    };
    const flushLater = () => {
      timer = setTimeout(() => {
        timer = undefined;
        if (!unsent) return;
        send(true);
        flushLater();
      }, notifyIntervalMs);
    };
    return {
      events: (event) => {
        latest = event;
        unsent = true;
        if (timer !== undefined) return;
        send(true);
        flushLater();
      },
      stop: () => {
        clearTimeout(timer);
        timer = undefined;
        send(false);
      },
    };
  }
}

/** The notification of an engine event: its figures, with the counts the tree's summary line shows. */
function progressParams(task: string, event: TaskEvent, running: boolean): ProgressParams {
  return {
    task,
    running,
    sessionCost: event.cost.session,
    taskCost: event.cost.task,
    queuedEstimate: event.cost.queued,
    queuedRequests: event.queuedRequests,
    localBatches: event.batches.filter((b) => b.place === 'local').length,
    remoteBatches: event.batches.filter((b) => b.place === 'remote').length,
    samples: event.samples,
    finishedShare: finishedShare(event.samples),
    batches: event.batches,
    caps: event.caps,
  };
}
