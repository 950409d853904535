import * as vscode from 'vscode';
import type { ProgressParams } from '../protocol/messages';
import type { SpendCap } from '../shared/taskEvent';
import type { EngineHost } from './engineHost';
import { Disposable } from './lifecycle';
import { followedTask, type TaskFocus } from './statusFocus';
import { formatCost } from './taskNodes';

/** What the status bar item reflects: no task seen yet, or the focused task's latest figures (while and after its run). */
export type StatusBarState =
  | { kind: 'idle' }
  | {
      kind: 'task';
      /** The focused task's last progress; `running` is false once its run ended. */
      focused: ProgressParams;
      /** The other tasks running now. */
      othersRunning: string[];
      /** Whether a click opens the task's dashboard (else it reveals the task in the tasks view). */
      dashboard: boolean;
    };

/** The fields of the status bar item for one state. */
export interface StatusBarView {
  text: string;
  tooltip: string;
  command: vscode.Command | string;
}

/** Command that focuses the GPT Batch tasks view (VS Code generates `<viewId>.focus` for every view). */
const revealTasksViewCommand = 'gptBatch.tasks.focus';
/** The task dashboard's command; a click runs it once the extension declares it, and reveals the task until then. */
export const openDashboardCommand = 'gptBatch.openDashboard';

/** Whether the extension's manifest declares the dashboard command (the one switch between dashboard and tree). */
export function declaresDashboard(packageJson: { contributes?: { commands?: { command: string }[] } }): boolean {
  return packageJson.contributes?.commands?.some((c) => c.command === openDashboardCommand) ?? false;
}

const percent = (share: number) => `${Math.floor(share * 1000) / 10}%`;

/** A cap's spent, reserved (in flight) and remaining share: cost and tokens are spent, requests and batches pushed. */
function capLine(cap: SpendCap): string {
  const show = (n: number) => (cap.unit === 'cost' ? formatCost(n) : String(n));
  const done = cap.unit === 'cost' || cap.unit === 'tokens' ? 'spent' : 'done';
  return `${cap.option}: ${show(cap.spent)} ${done} + ${show(cap.reserved)} reserved of ${show(cap.limit)}, ${show(Math.max(0, cap.limit - cap.used))} left`;
}

/** Maps a state to the item's fields; pure, so every state can be checked without a window. */
export function render(state: StatusBarState): StatusBarView {
  if (state.kind === 'idle') return { text: '$(layers) GPT Batch', tooltip: 'GPT Batch: no task has run yet. Click to show the tasks.', command: revealTasksViewCommand };
  const p = state.focused;
  const s = p.samples;
  const runningCount = state.othersRunning.length + (p.running ? 1 : 0);
  const others = state.othersRunning.length > 0 ? ` · ${runningCount} ${runningCount === 1 ? 'task' : 'tasks'} running` : '';
  const costs = `${formatCost(p.sessionCost)} session · ${formatCost(p.taskCost)} task · ${formatCost(p.queuedEstimate)} queued`;
  const remote = p.batches.filter((b) => b.place === 'remote').map((b) => `batch ${b.id} ${b.status}${b.completed === undefined ? '' : ` ${b.completed + (b.failed ?? 0)}/${b.numRequests}`}`);
  const tooltip = [
    `GPT Batch: task "${p.task}" ${p.running ? 'is running' : 'last run ended'}.`,
    `Progress: ${percent(p.finishedShare)} of ${s.committed} committed samples finished (${s.succeeded} succeeded, ${s.failed} failed, ${s.pending} pending)`,
    ...(remote.length > 0 ? [`Remote: ${remote.join(', ')}`] : []),
    `Spent this session: ${formatCost(p.sessionCost)}`,
    `Spent by the task: ${formatCost(p.taskCost)}`,
    `Estimated cost of what is queued: ${formatCost(p.queuedEstimate)}`,
    'Caps (reserved: the estimates of batches in flight, until their true cost is known):',
    ...p.caps.map((cap) => `  ${capLine(cap)}`),
    ...(state.othersRunning.length > 0 ? [`Also running: ${state.othersRunning.join(', ')}`] : []),
    state.dashboard ? 'Click to open the task dashboard.' : 'Click to show the task.',
  ].join('\n');
  const command: vscode.Command = state.dashboard
    ? { command: openDashboardCommand, title: 'Open Dashboard', arguments: [p.task] }
    : { command: 'gptBatch.revealTask', title: 'Show Task', arguments: [p.task] };
  return { text: `${p.running ? '$(sync~spin)' : '$(check)'} ${p.task} ${percent(p.finishedShare)} · ${costs}${others}`, tooltip, command };
}

/**
 * The single GPT Batch status bar item, fed by the engine's progress notifications. It shows the task the user
 * focuses (see `followedTask`), falling back to a running task, and keeps a task's figures after its run; with several
 * tasks running it says how many. Users can hide it by its name.
 */
export class StatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private current: StatusBarState = { kind: 'idle' };
  private readonly tasks = new Map<string, ProgressParams>();
  private shown: string | undefined;
  private readonly changed = this.register(new vscode.EventEmitter<StatusBarState>());
  /** Fires with every state shown. */
  readonly onDidChange = this.changed.event;

  constructor(
    engine: Pick<EngineHost, 'listen'>,
    private readonly dashboard: boolean,
    private readonly focus: Pick<TaskFocus, 'task' | 'onDidChange'>,
  ) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem('gptBatch.status', vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'GPT Batch';
    this.show(this.current);
    this.item.show();
    this.register(engine.listen('task/progress', (p) => this.progress(p)));
    this.register(focus.onDidChange(() => this.follow()));
  }

  /** The state shown now. */
  get state(): StatusBarState {
    return this.current;
  }

  /** The text shown now. */
  get text(): string {
    return this.item.text;
  }

  private progress(p: ProgressParams): void {
    // Map order is the order runs started, so a fresh start moves the task to the end.
    if (p.running && this.tasks.get(p.task)?.running !== true) this.tasks.delete(p.task);
    this.tasks.set(p.task, p);
    this.follow();
  }

  private follow(): void {
    this.shown = followedTask(this.tasks, this.focus.task, this.shown);
    const shown = this.shown === undefined ? undefined : this.tasks.get(this.shown);
    if (shown === undefined) return;
    const othersRunning = [...this.tasks.values()].filter((t) => t.running && t.task !== shown.task).map((t) => t.task);
    this.show({ kind: 'task', focused: shown, othersRunning, dashboard: this.dashboard });
  }

  private show(state: StatusBarState): void {
    this.current = state;
    const view = render(state);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.changed.fire(state);
  }
}
