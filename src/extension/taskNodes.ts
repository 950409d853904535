import * as vscode from 'vscode';
import type { BatchSummary, PageItem, SampleGroup, TaskSnapshot } from '../shared/taskSnapshot';
import { taskFileName } from './taskFile';

/** The batch groups under a task, by where the batches are. */
export type BatchGroup = 'local' | 'remote' | 'direct';

/** One row of the tasks tree. Rows hold plain data; `toTreeItem` turns them into what VS Code shows. */
export type TaskNode =
  /** A task of the task file, by name; `snapshot` once its files were read. */
  | { kind: 'task'; name: string; running: boolean; snapshot: TaskSnapshot | undefined }
  /** The one-line status summary of a task. */
  | { kind: 'summary'; task: string; snapshot: TaskSnapshot }
  /** The task's last online W&B run; opens in the browser. */
  | { kind: 'wandbRun'; task: string; url: string }
  | { kind: 'batchGroup'; task: string; group: BatchGroup; batches: BatchSummary[] }
  | { kind: 'batch'; task: string; batch: BatchSummary }
  | { kind: 'sampleGroup'; task: string; group: SampleGroup; count: number }
  /** A request of a batch (key = request id) or a sample of a group (key = sample key). */
  | { kind: 'request'; task: string; batch: BatchSummary; item: PageItem }
  | { kind: 'sample'; task: string; group: SampleGroup; item: PageItem }
  /** Loads the next page of its parent. */
  | { kind: 'more'; parentId: string; shown: number; total: number }
  /** The task file or a task's files cannot be read; `message` says why. */
  | { kind: 'error'; id: string; message: string }
  /** The task file is valid but declares no task. */
  | { kind: 'empty' };

/** Stable id of a node, so selection and expansion survive refreshes. */
export function nodeId(node: TaskNode): string {
  switch (node.kind) {
    case 'task':
      return `task:${node.name}`;
    case 'summary':
      return `task:${node.task}/summary`;
    case 'wandbRun':
      return `task:${node.task}/wandb`;
    case 'batchGroup':
      return `task:${node.task}/${node.group}`;
    case 'batch':
      return `task:${node.task}/${groupOf(node.batch)}/${node.batch.place}:${node.batch.id}`;
    case 'sampleGroup':
      return `task:${node.task}/samples/${node.group}`;
    case 'request':
      return `task:${node.task}/${groupOf(node.batch)}/${node.batch.place}:${node.batch.id}/request:${node.item.key}`;
    case 'sample':
      return `task:${node.task}/samples/${node.group}/${node.item.key}`;
    case 'more':
      return `${node.parentId}/more`;
    case 'error':
      return node.id;
    case 'empty':
      return 'empty';
  }
}

/** Which group of the tree a batch is listed in: processed remote batches stay under "Remote batches". */
export function groupOf(batch: BatchSummary): BatchGroup {
  return batch.place === 'processed' ? 'remote' : batch.place;
}

const groupLabels: Record<BatchGroup, string> = { local: 'Local batches', remote: 'Remote batches', direct: 'Direct batches' };
const sampleLabels: Record<SampleGroup, string> = { succeeded: 'Succeeded samples', failed: 'Failed samples', pending: 'Pending samples' };

/** Formats a cost in the user's currency units, precise enough for cents and fractions of them. */
export function formatCost(cost: number): string {
  return cost >= 1 ? cost.toFixed(2) : cost.toFixed(4);
}

export function toTreeItem(node: TaskNode): vscode.TreeItem {
  const item = new vscode.TreeItem(label(node), collapsible(node));
  item.id = nodeId(node);
  item.contextValue = contextValue(node);
  switch (node.kind) {
    case 'task':
      item.iconPath = new vscode.ThemeIcon(node.running ? 'sync~spin' : 'layers');
      item.description = node.running ? 'running' : node.snapshot?.started === false ? 'not started' : undefined;
      item.tooltip = `Task "${node.name}" of ${taskFileName}`;
      break;
    case 'summary': {
      const s = node.snapshot;
      item.iconPath = new vscode.ThemeIcon(s.error === undefined ? 'info' : 'warning');
      item.description = s.error;
      item.tooltip = `Files in ${s.taskDir}`;
      item.command = { command: 'gptBatch.showStatus', title: 'Show Status', arguments: [node.task] };
      break;
    }
    case 'wandbRun':
      item.iconPath = new vscode.ThemeIcon('link-external');
      item.description = node.url;
      item.tooltip = `Open the W&B run of task "${node.task}": ${node.url}`;
      item.command = { command: 'vscode.open', title: 'Open W&B Run', arguments: [vscode.Uri.parse(node.url)] };
      break;
    case 'batchGroup':
      item.iconPath = new vscode.ThemeIcon(node.group === 'local' ? 'package' : node.group === 'remote' ? 'cloud' : 'zap');
      item.description = String(node.batches.length);
      break;
    case 'batch':
      item.iconPath = new vscode.ThemeIcon(node.batch.place === 'remote' ? 'cloud-upload' : node.batch.place === 'local' ? 'package' : 'check');
      item.description = batchDescription(node.batch);
      item.tooltip = node.batch.remoteId === undefined ? undefined : `Provider batch ${node.batch.remoteId}`;
      break;
    case 'sampleGroup':
      item.iconPath = new vscode.ThemeIcon(node.group === 'succeeded' ? 'pass' : node.group === 'failed' ? 'error' : 'circle-outline');
      item.description = String(node.count);
      break;
    case 'request':
      item.iconPath = new vscode.ThemeIcon('json');
      item.description = node.item.description;
      item.command = { command: 'gptBatch.openRequest', title: 'Open Request', arguments: [node] };
      break;
    case 'sample':
      item.iconPath = new vscode.ThemeIcon('symbol-key');
      item.command = { command: 'gptBatch.openSample', title: 'Open Sample', arguments: [node] };
      break;
    case 'more':
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: 'gptBatch.loadMore', title: 'Load More', arguments: [node] };
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

function batchDescription(batch: BatchSummary): string {
  const parts = [batch.status, `${batch.numRequests} requests`];
  if (batch.completed !== undefined) parts.push(`${batch.completed} ok`);
  if (batch.failed !== undefined && batch.failed > 0) parts.push(`${batch.failed} failed`);
  parts.push(batch.trueCost === undefined ? `est. ${formatCost(batch.estimatedCost)}` : `cost ${formatCost(batch.trueCost)}`);
  return parts.join(' · ');
}

/** `;`-joined tokens that `view/item/context` menus match with `=~` (e.g. `/batch;.*remote;/`). */
function contextValue(node: TaskNode): string {
  if (node.kind === 'task') return `task;${node.running ? 'running;' : 'idle;'}`;
  if (node.kind === 'batch') return `batch;${node.batch.place};`;
  return `${node.kind};`;
}

function collapsible(node: TaskNode): vscode.TreeItemCollapsibleState {
  switch (node.kind) {
    case 'task':
    case 'batchGroup':
    case 'sampleGroup':
      return vscode.TreeItemCollapsibleState.Collapsed;
    case 'batch':
      return node.batch.hasRequests ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    default:
      return vscode.TreeItemCollapsibleState.None;
  }
}

function label(node: TaskNode): string {
  switch (node.kind) {
    case 'task':
      return node.name;
    case 'summary': {
      const s = node.snapshot;
      if (!s.started) return 'Not started yet';
      const { succeeded, failed, pending } = s.samples;
      return `${succeeded} succeeded, ${failed} failed, ${pending} pending · cost ${formatCost(s.taskCost)} · queued est. ${formatCost(s.queuedEstimate)}`;
    }
    case 'wandbRun':
      return 'W&B run';
    case 'batchGroup':
      return groupLabels[node.group];
    case 'batch':
      return `${node.batch.place === 'direct' ? 'Direct batch' : 'Batch'} ${node.batch.id}`;
    case 'sampleGroup':
      return sampleLabels[node.group];
    case 'request':
    case 'sample':
      return node.item.label;
    case 'more':
      return `More… (${node.shown} of ${node.total} shown)`;
    case 'error':
      return node.message;
    case 'empty':
      return `${taskFileName} declares no tasks`;
  }
}
