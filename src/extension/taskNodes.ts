import * as vscode from 'vscode';
import { taskFileName } from './taskFile';

/** One row of the tasks tree. Rows hold plain data; `toTreeItem` turns them into what VS Code shows. */
export type TaskNode =
  /** A task of the task file, by name. */
  | { kind: 'task'; name: string }
  /** The task file cannot be read; `message` says why. */
  | { kind: 'error'; message: string }
  /** The task file is valid but declares no task. */
  | { kind: 'empty' };

/** Stable id of a node, so selection and expansion survive refreshes. */
export function nodeId(node: TaskNode): string {
  switch (node.kind) {
    case 'task':
      return `task:${node.name}`;
    case 'error':
      return 'error';
    case 'empty':
      return 'empty';
  }
}

export function toTreeItem(node: TaskNode): vscode.TreeItem {
  const item = new vscode.TreeItem(label(node), vscode.TreeItemCollapsibleState.None);
  item.id = nodeId(node);
  item.contextValue = `${node.kind};`;
  switch (node.kind) {
    case 'task':
      item.iconPath = new vscode.ThemeIcon('layers');
      item.tooltip = `Task "${node.name}" of ${taskFileName}`;
      break;
    case 'error':
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
      item.tooltip = node.message;
      break;
    case 'empty':
      item.iconPath = new vscode.ThemeIcon('info');
      break;
  }
  return item;
}

function label(node: TaskNode): string {
  switch (node.kind) {
    case 'task':
      return node.name;
    case 'error':
      return node.message;
    case 'empty':
      return `${taskFileName} declares no tasks`;
  }
}
