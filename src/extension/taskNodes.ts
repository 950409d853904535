import * as vscode from 'vscode';
import type { Attempt, AttemptPart, BatchSummary, SampleGroup, SampleItem, TaskSnapshot } from '../shared/taskSnapshot';
import { describePilotForecast } from '../shared/pilotForecast';
import { attemptDescription, attemptLabel, batchDescription, formatCost, groupLabels, keyLabel, partLabel, sampleGroupLabels } from './nodeLabels';
import { taskFileName } from './taskFile';

export { formatCost } from './nodeLabels';

/** The batch groups under a task, by where the batches are. */
export type BatchGroup = 'local' | 'remote' | 'processed' | 'direct';

/** Where a sample row is listed: under a state or filter, or as the answer of Find Sample. */
export type SampleListing = SampleGroup | 'found';

/** One row of the tasks tree. Rows hold plain data; `toTreeItem` turns them into what VS Code shows. */
export type TaskNode =
  /** A task of the task file, by name; `snapshot` once its files were read. */
  | { kind: 'task'; name: string; running: boolean; snapshot: TaskSnapshot | undefined }
  /** The one-line status summary of a task. */
  | { kind: 'summary'; task: string; snapshot: TaskSnapshot }
  /** The task's last online W&B run; opens in the browser. */
  | { kind: 'wandbRun'; task: string; url: string }
  | { kind: 'batchGroup'; task: string; group: BatchGroup; batches: BatchSummary[]; older: number }
  | { kind: 'batch'; task: string; batch: BatchSummary }
  /** A sample state or filter; `count` when known without a query. */
  | { kind: 'sampleGroup'; task: string; group: SampleGroup; count: number | undefined }
  | { kind: 'sample'; task: string; listing: SampleListing; item: SampleItem }
  /** A request sent for a sample, listed under its batch or its sample (`parentId`). */
  | { kind: 'attempt'; task: string; parentId: string; under: 'batch' | 'sample'; attempt: Attempt }
  /** The request, response or parsed result of an attempt. */
  | { kind: 'attemptPart'; task: string; parentId: string; attempt: Attempt; part: AttemptPart }
  /** Loads the page after `next` of the list of its parent. */
  | { kind: 'more'; parentId: string; shown: number; total: number; totalAtLeast: boolean; next: string }
  /** A line of information in a list, e.g. how many older batches are not listed. */
  | { kind: 'note'; id: string; message: string }
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
      return `task:${node.task}/${groupOf(node.batch)}/${node.batch.id}`;
    case 'sampleGroup':
      return `task:${node.task}/samples/${node.group}`;
    case 'sample':
      return `task:${node.task}/samples/${node.listing}/${node.item.key}`;
    case 'attempt':
      return `${node.parentId}/attempt:${node.attempt.requestId}`;
    case 'attemptPart':
      return `${node.parentId}/${node.part}`;
    case 'more':
      return `${node.parentId}/more`;
    case 'note':
    case 'error':
      return node.id;
    case 'empty':
      return 'empty';
  }
}

/** Which group of the tree a batch is listed in. */
export function groupOf(batch: BatchSummary): BatchGroup {
  return batch.place;
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
      const forecast = s.pilotForecast;
      item.description = s.error ?? (forecast === undefined ? undefined : `forecast ${formatCost(forecast.cost.low)}–${formatCost(forecast.cost.high)}`);
      item.tooltip = [`Files in ${s.taskDir}`, ...(forecast === undefined ? [] : describePilotForecast(forecast, formatCost))].join('\n');
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
      item.iconPath = new vscode.ThemeIcon({ local: 'package', remote: 'cloud', processed: 'archive', direct: 'zap' }[node.group]);
      item.description = String(node.batches.length + node.older);
      break;
    case 'batch':
      item.iconPath = new vscode.ThemeIcon({ local: 'package', remote: 'cloud-upload', processed: 'check', direct: 'zap' }[node.batch.place]);
      item.description = batchDescription(node.batch);
      item.tooltip = node.batch.remoteId === undefined ? undefined : `Provider batch ${node.batch.remoteId}`;
      break;
    case 'sampleGroup':
      item.iconPath = new vscode.ThemeIcon(sampleGroupIcons[node.group]);
      item.description = node.count === undefined ? 'filter' : String(node.count);
      break;
    case 'sample':
      item.iconPath = new vscode.ThemeIcon(node.listing === 'found' ? 'search' : 'symbol-key');
      item.description = node.item.detail;
      item.tooltip = `Sample ${JSON.stringify(node.item.key)}${node.item.detail === undefined ? '' : `\n${node.item.detail}`}`;
      item.command = { command: 'gptBatch.openSample', title: 'Open Sample', arguments: [node] };
      break;
    case 'attempt':
      item.iconPath = new vscode.ThemeIcon(attemptIcon(node.attempt));
      item.description = attemptDescription(node.attempt, node.under === 'sample');
      item.tooltip = `Request id-${node.attempt.requestId}${node.attempt.sampleKey === undefined ? '' : ` of sample ${JSON.stringify(node.attempt.sampleKey)}`}; opens its request, response and parsed result`;
      item.command = { command: 'gptBatch.openAttempt', title: 'Open Attempt', arguments: [node] };
      break;
    case 'attemptPart':
      item.iconPath = new vscode.ThemeIcon(node.part === 'request' ? 'arrow-right' : node.part === 'response' ? 'arrow-left' : 'symbol-structure');
      item.command = { command: 'gptBatch.openAttemptPart', title: 'Open', arguments: [node] };
      break;
    case 'more':
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: 'gptBatch.loadMore', title: 'Load More', arguments: [node] };
      break;
    case 'note':
      item.iconPath = new vscode.ThemeIcon('info');
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

const sampleGroupIcons: Record<SampleGroup, string> = {
  succeeded: 'pass',
  failed: 'error',
  pending: 'circle-outline',
  retried: 'debug-restart',
  cutShort: 'fold',
  refused: 'circle-slash',
  errored: 'warning',
};

function attemptIcon(attempt: Attempt): string {
  switch (attempt.outcome) {
    case 'succeeded':
      return 'pass';
    case 'failed':
      return 'error';
    case 'retried':
      return 'debug-restart';
    case 'answered':
      return 'mail-read';
    case undefined:
      return 'clock';
  }
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
    case 'sample':
    case 'attempt':
      return vscode.TreeItemCollapsibleState.Collapsed;
    case 'batch':
      return node.batch.numRequests > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
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
      return sampleGroupLabels[node.group];
    case 'sample':
      return keyLabel(node.item.key);
    case 'attempt':
      return attemptLabel(node.attempt, node.under === 'sample');
    case 'attemptPart':
      return partLabel(node.attempt, node.part);
    case 'more':
      return `More… (${node.shown} of ${node.totalAtLeast ? 'more than ' : ''}${node.total.toLocaleString('en-US')} shown)`;
    case 'note':
    case 'error':
      return node.message;
    case 'empty':
      return `${taskFileName} declares no tasks`;
  }
}
