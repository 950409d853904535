import path from 'node:path';
import type OpenAI from 'openai';
import { deriveLimits, type RequesterOptions, type TaskManagerOptions } from '../../shared/options';
import type { TaskEventSink } from '../../shared/taskEvent';
import type { CommittedTask } from '../../shared/committedTask';
import type { PilotForecast } from '../../shared/pilotForecast';
import { sampleKeyOf } from '../db/requesterRecords';
import type { TaskDb } from '../db/taskDb';
import { LiveFeed } from '../events/liveFeed';
import { taskEventOf } from '../events/taskEventOf';
import type { Logger } from '../log';
import { FileStore } from '../store/fileStore';
import { InterruptGate } from '../store/interrupts';
import { acquireTaskLock, type TaskLock } from '../store/taskLock';
import { runUnit, type UnitContext } from '../store/unit';
import { TokenEstimator } from '../tokens/estimator';
import { nullMetricsSink, type MetricsSink, type MetricValue } from '../wandb/metricsSink';
import type { BatchResult } from '../requester/batchResult';
import type { CachedRequest, GptRequest } from '../requester/cachedRequest';
import { directRequests } from '../requester/direct';
import { processUnpushableBatches } from '../requester/unpushableBatches';
import { waitForBatches } from '../requester/polling';
import { waitForValidation } from '../requester/validationHold';
import { reconcileSpend } from '../requester/reservedSpend';
import { processBatches } from '../requester/processing';
import { pushBatches, reconcilePushes } from '../requester/pushing';
import { queueHasRoom, waitOutBackoff } from '../requester/queueFull';
import { logInUnit, queueMetrics, stateMetrics, taskMetrics } from '../requester/metricsLog';
import { applyStoredPilotRatio, runPilot } from '../requester/pilot';
import { reportCommitted } from '../requester/committedWork';
import { logStatus } from '../requester/reporting';
import { Requester } from '../requester/requester';
import type { BatchProvider } from '../providers/batchProvider';
import type { ResultInfo } from '../requester/results';
import { TokenCosting } from '../requester/tokenCosting';
import { wipeRequests } from '../requester/wipes';
import type { TaskOutput } from './outputs';
import { limitsEnd, nothingInProgress, type RunEnd } from './runEnd';
import { enterTaskState, openTaskDb, prepareTaskDir } from './taskEntry';
import { type JsonMap, TaskState } from './taskState';

/** What a task manager needs from its host (CLI, worker, tests). */
export interface TaskManagerInit {
  taskDir: string;
  namePrefix: string;
  /** Meta of a new task (or of every task with `reinit_meta`). */
  initMeta: JsonMap;
  requester: RequesterOptions;
  taskManager: TaskManagerOptions;
  logger: Logger;
  /** Creates the OpenAI API client when there is no `createProvider`; never called in a dry run. */
  createClient?: () => OpenAI;
  /** Creates the provider of the task's batches and direct requests (see `BatchProvider`); never called in a dry run. */
  createProvider?: () => BatchProvider;
  /** Aborting it stops the run at the next safe point. */
  signal?: AbortSignal;
  /** Opens the metrics run (W&B); defaults to no metrics. */
  openMetrics?: (config: Record<string, unknown>) => Promise<MetricsSink>;
  /** Receives the task's live state after every committed unit of work and every status poll that changed a batch. */
  events?: TaskEventSink;
  clock?: () => number;
}

const heavy = '═'.repeat(120);

/**
 * The task manager (task-manager.md): subclass it for a concrete task, the way gpt_batch_api users subclass
 * `TaskManager`. It drives generate → commit → batch → push → wait → process until the task is done, and every
 * change it or the task makes is saved all-or-nothing, so a run can be stopped at any moment and resumed.
 *
 * During a run `T` is the task state, `output` the task's output, `requester` the requester.
 */
export abstract class TaskManager {
  readonly logger: Logger;
  readonly gate: InterruptGate;
  readonly costing: TokenCosting;
  readonly dir: string;
  readonly prefix: string;
  stepNum = 0;
  generating = false;

  private lock: TaskLock | undefined;
  private dbOrUndefined: TaskDb | undefined;
  private storeOrUndefined: FileStore | undefined;
  private stateOrUndefined: TaskState | undefined;
  private requesterOrUndefined: Requester | undefined;
  private outputOrUndefined: TaskOutput | undefined;
  private metrics: MetricsSink = nullMetricsSink;
  private readonly clock: () => number;
  private readonly live: LiveFeed;
  /** `reinit_meta` (and `wipe_task`, which recreates the meta) applies once per task manager object, like upstream. */
  private metaReinitialised = false;
  private end: RunEnd = { kind: 'workLeft' };
  /** A pilot (`--pilot`) is to run before this session's first batch push. */
  private pilotPending = false;
  /** `commit_only`: this run stops once the whole task is committed (and piloted), before forming or pushing a batch. */
  private holding = false;
  /** What a `commit_only` run had committed when it stopped. */
  private committed: CommittedTask | undefined;

  constructor(protected readonly init: TaskManagerInit) {
    this.logger = init.logger;
    this.gate = new InterruptGate(init.signal);
    this.dir = path.resolve(init.taskDir);
    this.prefix = init.namePrefix;
    this.clock = init.clock ?? Date.now;
    this.live = new LiveFeed(init.events, init.logger, this.clock);
    const o = init.requester;
    const estimator = new TokenEstimator({ warn: o.token_estimator_warn, logger: init.logger, imageSizing: o.image_sizing });
    this.costing = new TokenCosting(estimator, o, o.assumed_completion_ratio ?? 0.5);
  }


  /** Creates the task's output object for the base path `<task_dir>/<prefix>_output`. */
  protected abstract createOutput(pathBase: string): TaskOutput;
  /** Adds every request still needed and not yet committed; true iff nothing more can be generated right now. */
  protected abstract generateRequests(): Promise<boolean> | boolean;
  /** Records in `T` that this request is now committed (using only the request). */
  protected abstract commitCachedRequest(request: CachedRequest): void;
  /** Consumes one batch's results into `T` and the output; true iff anything changed. Changes must be revertible. */
  protected abstract processBatchResult(result: BatchResult, unit: UnitContext): Promise<boolean> | boolean;
  /** Shrinks the committed record to what responses explain (and forgets failures with `wipeFailed`); true iff the output changed. */
  protected abstract wipeUnfinished(wipeFailed: boolean, unit: UnitContext): Promise<boolean> | boolean;
  /** Called after the task state is loaded and before the requester; e.g. set the completion ratio from meta. */
  protected onTaskEnter(): void | Promise<void> {}
  protected onTaskExit(): void {}
  /** Throws on an inconsistent state. Overrides must call `super.validateState(clean)`. */
  protected validateState(clean: boolean): void {
    this.T.validate(clean);
  }
  /** Builds derived output at the end of a run that completed the task (see `postprocess_output`). */
  protected postprocessOutputData(): void | Promise<void> {}


  get T(): TaskState {
    if (this.stateOrUndefined === undefined) throw new Error('The task state is only available while the task manager runs');
    return this.stateOrUndefined;
  }
  get output(): TaskOutput {
    if (this.outputOrUndefined === undefined) throw new Error('The task output is only available while the task manager runs');
    return this.outputOrUndefined;
  }
  get requester(): Requester {
    if (this.requesterOrUndefined === undefined) throw new Error('The requester is only available while the task manager runs');
    return this.requesterOrUndefined;
  }
  get options(): RequesterOptions {
    return this.init.requester;
  }

  addRequest(request: GptRequest): CachedRequest {
    return this.requester.addRequest(request);
  }

  updateResultRetry(result: ResultInfo, retryCounts?: boolean): void {
    this.requester.updateResultRetry(result, retryCounts);
  }

  /**
   * Commits the pool (recording the samples in `T` in the same unit), forms batches (a trailing partial one only
   * with `forceBatch`) and pushes. Returns true if the pipeline is congested; a generating task should then stop
   * early and return false.
   */
  async commitRequests(batch = true, forceBatch = false, push = true): Promise<boolean> {
    const r = this.requester;
    if (this.generating && r.pool.length > 0) this.logger.info(`Committing ${r.pool.length} generated requests`);
    if (r.pool.length > 0) {
      await r.commitRequests(async (u, committed) => {
        await this.withActiveUnit(u, () => {
          for (const request of committed) this.commitCachedRequest(request);
        });
        this.validateState(false);
        this.saveTaskState(u);
      });
    }
    if (batch && push && (this.pilotPending || this.holding)) {
      // Batches wait until the step's generation is over, so that the pilot samples (and a commit-only run
      // estimates) the whole task.
      if (this.generating) return false;
      const forecast = this.pilotPending ? await this.sendPilot() : undefined;
      if (this.holding) {
        this.committed ??= reportCommitted(r, forecast);
        return false;
      }
    }
    if (batch && r.queue.length > 0) await r.batchRequests(forceBatch);
    if (!push) return false;
    if (r.unpushedBatches.some((b) => r.isPushable(b)) && queueHasRoom(r)) return pushBatches(r);
    return r.unpushedBatches.length >= r.options.max_unpushed_batches;
  }

  private async sendPilot(): Promise<PilotForecast | undefined> {
    this.pilotPending = false;
    return runPilot(this.requester, (u, result) => this.callProcessBatchResult(u, result));
  }

  /** Executes requests through the direct API now, feeding results to `processBatchResult`; true if limits stopped it. */
  async directRequests(requests: GptRequest[]): Promise<boolean> {
    const cached = requests.map((q) => this.requester.addRequest(q));
    const added = new Set(cached);
    this.requester.pool = this.requester.pool.filter((q) => !added.has(q));
    return directRequests(this.requester, cached, (u, result) => this.callProcessBatchResult(u, result));
  }

  /** Sets the assumed completion ratio used for every estimate (call it from `onTaskEnter`). */
  setAssumedCompletionRatio(ratio: number): void {
    this.costing.setAssumedCompletionRatio(ratio);
  }


  /** Why the last `run()` ended (`workLeft` before any run). */
  get runEnd(): RunEnd {
    return this.end;
  }

  /** Runs the task until it is done or cannot progress now; returns true iff everything is done (see `runEnd`). */
  async run(): Promise<boolean> {
    this.end = { kind: 'workLeft' };
    this.logger.info(heavy);
    this.logger.info(`Running task manager for task '${this.prefix}' in ${this.dir}`);
    await this.enter();
    let allDone = false;
    try {
      this.logStatus();
      if (this.init.taskManager.run) {
        for (;;) {
          const more = await this.step();
          // A dry run saves nothing, so whatever its one step did in memory completes nothing.
          if (this.options.dryrun) {
            this.logger.warn('[DRYRUN] Stopping incomplete task manager as it is a dry run');
            this.end = { kind: 'dryrun' };
            break;
          }
          if (this.committed !== undefined) {
            this.end = { kind: 'committed', committed: this.committed };
            break;
          }
          if (!more) {
            allDone = true;
            this.end = { kind: 'complete' };
            break;
          }
          if (this.requester.unfinishedRemoteBatches.length === 0) {
            if (await waitOutBackoff(this.requester)) continue;
            this.logger.warn('Stopping incomplete task manager as a step did not result in unfinished pushed remote batches');
            this.end = this.options.only_process ? { kind: 'workLeft' } : limitsEnd(this.requester);
            break;
          }
          if (!(await waitForValidation(this.requester))) await waitForBatches(this.requester);
        }
      } else {
        this.logger.warn("Not running the task manager due to 'run' flag being False");
        this.end = { kind: 'statusOnly', complete: nothingInProgress(this.requester, this.T) };
      }
      this.logStatus();
      const mode = this.init.taskManager.postprocess_output;
      this.logger.info(`Task output (${this.output.status()}): ${this.output.files().join(', ')}`);
      if (mode === 'always' || (mode === 'if_written' && allDone && this.output.written)) {
        this.logger.info('Post-processing the task output');
        await this.postprocessOutputData();
      }
    } finally {
      await this.exit();
    }
    this.logger.info(`Finished running task manager (${allDone ? 'all done' : 'work left to do'})`);
    this.logger.info(heavy);
    return allDone;
  }

  /** One non-blocking pass (task-manager.md 8.2); returns true if work remains. */
  async step(): Promise<boolean> {
    const r = this.requester;
    this.stepNum += 1;
    this.logger.info('─'.repeat(120));
    this.logger.info(`Step ${this.stepNum}`);
    this.metrics.log({ 'Task/run_step': this.stepNum });
    for (;;) {
      await processBatches(r, (u, result) => this.callProcessBatchResult(u, result));
      this.gate.checkpoint();
      if (this.options.only_process) {
        this.logger.info('Only-process mode => Stopping step after processing finished remote batches');
        return true;
      }
      // A commit-only run sends nothing but its pilot, not even batches formed by an earlier run, and generates the
      // whole task however many of those wait.
      if (!this.holding && r.unpushedBatches.some((b) => r.isPushable(b)) && queueHasRoom(r)) await pushBatches(r);
      const { limited } = this.holding ? { limited: false } : await processUnpushableBatches(r, (u, result) => this.callProcessBatchResult(u, result));
      this.gate.checkpoint();
      let congested = !this.holding && r.unpushedBatches.length >= this.options.max_unpushed_batches;
      let generationDone = false;
      if (!congested) {
        this.generating = true;
        try {
          generationDone = await this.generateRequests();
        } finally {
          this.generating = false;
        }
        this.logger.info(`Generation of requests is ${generationDone ? 'DONE' : 'ONGOING'}`);
      }
      congested = await this.commitRequests(true, generationDone, true);
      this.gate.checkpoint();
      if (this.committed !== undefined) return true;
      const unpushable = r.unpushedBatches.filter((b) => !r.isPushable(b)).length;
      if ((unpushable === 0 || limited) && ((generationDone && r.queue.length === 0) || congested)) {
        const allDone = r.unpushedBatches.length === 0 && r.unfinishedRemoteBatches.length === 0 && r.finishedRemoteBatches.length === 0;
        return !allDone;
      }
    }
  }

  private async withActiveUnit<T>(u: UnitContext, body: () => Promise<T> | T): Promise<T> {
    const previous = this.T.activeUnit;
    this.T.activeUnit = u;
    try {
      return await body();
    } finally {
      this.T.activeUnit = previous;
    }
  }

  /**
   * Hands a batch result to the task; saves task state and output in the same unit when the task changed them. The
   * batch's true cost takes the place of its reserved prediction in the caps' push statistics in that unit too.
   */
  private async callProcessBatchResult(u: UnitContext, result: BatchResult): Promise<void> {
    reconcileSpend(this.requester, u, result);
    // Built-in and template tasks name each request's sample by `sample_key` in its meta.
    const keys = result.results.map((x) => sampleKeyOf(x.req_info.meta)).filter((key) => key !== null);
    const changed = await this.T.withSamplesRead(keys, () => this.withActiveUnit(u, () => this.processBatchResult(result, u)));
    if (!changed) return;
    this.validateState(false);
    this.output.validate();
    this.saveTaskState(u);
    await this.output.save(u);
  }

  /** Stages the task state's changes and its summary metrics on the unit. */
  private saveTaskState(u: UnitContext): void {
    this.T.save(u);
    if (this.metrics !== nullMetricsSink) logInUnit(u, this.metrics, { ...this.taskMetricValues(), ...this.output.metricValues?.() });
  }

  private taskMetricValues(): Record<string, MetricValue> {
    return taskMetrics(this.T.summary(), this.T.meta, this.T.committed_meta, this.T.responded_meta);
  }

  private unit<T>(body: (u: UnitContext) => Promise<T>): Promise<T> {
    return runUnit(this.storeOrUndefined as FileStore, this.gate, body);
  }


  private async enter(): Promise<void> {
    const o = this.options;
    const tm = this.init.taskManager;
    await prepareTaskDir(this.dir);
    this.lock = await acquireTaskLock(this.dir, this.prefix, {
      timeout: o.lock_timeout ?? -1,
      pollInterval: o.lock_poll_interval ?? 0.25,
      statusInterval: o.lock_status_interval ?? 5,
      logger: this.logger,
      signal: this.gate.signal,
    });
    try {
      this.dbOrUndefined = openTaskDb(this.dir, this.prefix, o.dryrun);
      this.storeOrUndefined = await FileStore.open(this.dir, { journalName: `${this.prefix}.journal`, logger: this.logger, dryrun: o.dryrun, db: this.dbOrUndefined, live: this.live });
      if (this.init.openMetrics && (o.wandb ?? !o.dryrun)) this.metrics = await this.init.openMetrics({ ...o, ...tm, openai_api_key: undefined });
      this.stateOrUndefined = await enterTaskState({
        db: this.dbOrUndefined,
        initMeta: this.init.initMeta,
        reinitMeta: tm.reinit_meta && !this.metaReinitialised,
        wipeTask: o.wipe_task,
        logger: this.logger,
        clock: this.clock,
        unit: (body) => this.unit(body),
      });
      this.metaReinitialised = true;
      await this.onTaskEnter();
      if (o.pilot_update_ratio) applyStoredPilotRatio(this.dbOrUndefined, this.costing, this.logger);
      this.pilotPending = o.pilot > 0 && !o.dryrun && !o.only_process && tm.run;
      if (o.pilot > 0 && !this.pilotPending) this.logger.warn('No pilot (--pilot) in a dry run, in only-process mode or when not running');
      this.holding = o.commit_only && !o.dryrun && !o.only_process && tm.run;
      this.committed = undefined;
      if (o.commit_only && !this.holding) this.logger.warn('--commit_only has no effect in a dry run, in only-process mode or when not running');
      const provider = o.dryrun ? null : (this.init.createProvider?.() ?? null);
      const client = o.dryrun || provider !== null ? null : (this.init.createClient?.() ?? null);
      const limits = deriveLimits(o);
      this.requesterOrUndefined = await Requester.open({
        dir: this.dir,
        prefix: this.prefix,
        options: o,
        limits,
        client,
        provider,
        costing: this.costing,
        logger: this.logger,
        gate: this.gate,
        store: this.storeOrUndefined,
        taskId: this.T.taskId,
        metrics: this.metrics,
        clock: this.clock,
      });
      this.followLiveState();
      await reconcilePushes(this.requester, this.init.taskManager.run);
      if (o.wipe_task || o.wipe_requests || tm.wipe_failed) await wipeRequests(this.requester, o.wipe_task);
      this.validateState(false);
      this.outputOrUndefined = this.createOutput(path.join(this.dir, `${this.prefix}_output`));
      await this.unit(async (u) => this.output.open(u));
      this.output.validate();
      await this.taskWipes();
      // The loaded state, as upstream logs it after every load: a run that only shows the status (run off) adds
      // this row to a resumed W&B run too.
      this.metrics.log({ ...stateMetrics(this.requester), ...queueMetrics(this.requester), ...this.taskMetricValues(), ...this.output.metricValues?.() });
    } catch (error) {
      await this.exit();
      throw error;
    }
  }

  private async taskWipes(): Promise<void> {
    const o = this.options;
    const tm = this.init.taskManager;
    if (o.wipe_task) {
      await this.unit(async (u) => {
        this.T.reset(u, this.init.initMeta);
        this.stepNum = 0;
        this.validateState(true);
        this.T.save(u);
        await this.output.reset(u);
        this.output.validate();
      });
      this.logger.warn('Wiped the task: task state and output start from scratch');
    } else if (o.wipe_requests || tm.wipe_failed) {
      await this.unit(async (u) => {
        const saveOutput = await this.withActiveUnit(u, () => this.wipeUnfinished(tm.wipe_failed, u));
        this.validateState(true);
        this.T.save(u);
        if (saveOutput) {
          this.output.validate();
          await this.output.save(u);
        }
      });
      this.logger.warn(`Wiped all unfinished requests${tm.wipe_failed ? ' and failed samples' : ''} from the task state`);
    }
  }

  /** Reports the open task's state from now on (its first event at once), with costs of this run counted from here. */
  private followLiveState(): void {
    const sessionStartCost = this.requester.state.metrics.all.total.true_cost;
    this.live.attach((seq, atMs) => {
      const r = this.requesterOrUndefined;
      const state = this.stateOrUndefined;
      return r === undefined || state === undefined ? undefined : taskEventOf(r, state.summary(), sessionStartCost, seq, atMs);
    });
    this.live.changed();
  }

  private async exit(): Promise<void> {
    // The last state of the run, also when it ends without a commit (a dry run, a status-only run).
    this.live.changed();
    this.live.attach(undefined);
    try {
      this.requesterOrUndefined?.close();
      if (this.stateOrUndefined !== undefined && this.requesterOrUndefined !== undefined) this.onTaskExit();
      await this.metrics.close();
    } finally {
      this.requesterOrUndefined = undefined;
      this.outputOrUndefined = undefined;
      this.stateOrUndefined = undefined;
      this.metrics = nullMetricsSink;
      this.storeOrUndefined = undefined;
      this.dbOrUndefined?.close();
      this.dbOrUndefined = undefined;
      await this.lock?.release();
      this.lock = undefined;
    }
  }

  private logStatus(): void {
    const s = this.T.summary();
    this.logger.info(
      `There are ${s.committed} committed SAMPLES (${s.pending} pending + ${s.responded} responded at least once), and ${s.succeeded} succeeded + ${s.failed} failed + ${s.mixed} both SAMPLES`,
    );
    logStatus(this.requester);
  }
}
