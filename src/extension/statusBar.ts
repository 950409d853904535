import * as vscode from 'vscode';
import { Disposable } from './lifecycle';

/** What the status bar item reflects. Only the idle state exists until the engine runs tasks. */
export type StatusBarState = { kind: 'idle' };

/** The fields of the status bar item for one state. */
export interface StatusBarView {
  text: string;
  tooltip: string;
  command: string;
}

/** Command that focuses the GPT Batch tasks view (VS Code generates `<viewId>.focus` for every view). */
const revealTasksViewCommand = 'gptBatch.tasks.focus';

/** Maps a state to the item's fields; pure, so every state can be checked without a window. */
export function render(state: StatusBarState): StatusBarView {
  switch (state.kind) {
    case 'idle':
      return { text: '$(layers) GPT Batch', tooltip: 'GPT Batch: no task running. Click to show the tasks.', command: revealTasksViewCommand };
  }
}

/** The single GPT Batch status bar item; users can hide it by its name. */
export class StatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(state: StatusBarState) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem('gptBatch.status', vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'GPT Batch';
    this.show(state);
    this.item.show();
  }

  show(state: StatusBarState): void {
    const view = render(state);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
  }
}
