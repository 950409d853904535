import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { formatCost } from './taskNodes';

/** What the status bar item reflects: nothing running, or the costs of the running task. */
export type StatusBarState =
  | { kind: 'idle' }
  | {
      kind: 'running';
      task: string;
      /** Spent by this run. */
      sessionCost: number;
      /** Spent by the task so far. */
      taskCost: number;
      /** Estimated cost of the batches formed and not processed yet. */
      queuedEstimate: number;
    };

/** The fields of the status bar item for one state. */
export interface StatusBarView {
  text: string;
  tooltip: string;
  command: vscode.Command | string;
}

/** Command that focuses the GPT Batch tasks view (VS Code generates `<viewId>.focus` for every view). */
const revealTasksViewCommand = 'gptBatch.tasks.focus';

/** Maps a state to the item's fields; pure, so every state can be checked without a window. */
export function render(state: StatusBarState): StatusBarView {
  switch (state.kind) {
    case 'idle':
      return { text: '$(layers) GPT Batch', tooltip: 'GPT Batch: no task running. Click to show the tasks.', command: revealTasksViewCommand };
    case 'running':
      return {
        text: `$(sync~spin) ${state.task}: ${formatCost(state.sessionCost)} / ${formatCost(state.taskCost)} · queued ${formatCost(state.queuedEstimate)}`,
        tooltip: [
          `GPT Batch: task "${state.task}" is running.`,
          `Spent this run: ${formatCost(state.sessionCost)}`,
          `Spent by the task: ${formatCost(state.taskCost)}`,
          `Estimated cost of what is queued: ${formatCost(state.queuedEstimate)}`,
          'Click to show the task.',
        ].join('\n'),
        command: { command: 'gptBatch.revealTask', title: 'Show Task', arguments: [state.task] },
      };
  }
}

/** The single GPT Batch status bar item; users can hide it by its name. */
export class StatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private current: StatusBarState;
  private readonly changed = this.register(new vscode.EventEmitter<StatusBarState>());
  /** Fires with every state shown. */
  readonly onDidChange = this.changed.event;

  constructor(state: StatusBarState) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem('gptBatch.status', vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'GPT Batch';
    this.current = state;
    this.show(state);
    this.item.show();
  }

  /** The state shown now. */
  get state(): StatusBarState {
    return this.current;
  }

  /** The text shown now. */
  get text(): string {
    return this.item.text;
  }

  show(state: StatusBarState): void {
    this.current = state;
    const view = render(state);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.changed.fire(state);
  }
}
