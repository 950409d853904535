import * as vscode from 'vscode';
import type { RunMode, RunResult } from '../protocol/messages';
import type { DashboardPanels } from './dashboardPanel';
import type { EngineHost } from './engineHost';
import { readSnapshot, runWithProgress } from './engineRuns';
import { openPreview, type PreviewProvider } from './previews';
import type { ApiKeys } from './secrets';
import type { TasksView } from './tasksView';
import type { TaskNode } from './taskNodes';
import { confirmSpending, type SpendDecision } from './spendConfirmation';

/** Asks the user to confirm something costly or destructive; resolves true to go ahead. Replaceable by tests. */
export type Confirm = (message: string, detail: string, action: string) => Thenable<boolean>;

/** A modal warning with one action button; closing it counts as no. */
export const modalConfirm: Confirm = (message, detail, action) =>
  vscode.window.showWarningMessage(message, { modal: true, detail }, action).then((choice) => choice === action);

/** What the task commands work with. */
export interface TaskServices {
  engine: EngineHost;
  /** The read-only query worker: every read of a task's files goes there, never to the engine's thread. */
  reader: EngineHost;
  apiKeys: ApiKeys;
  tasksView: TasksView;
  previews: PreviewProvider;
  dashboards: DashboardPanels;
  log: vscode.LogOutputChannel;
  confirm: () => Confirm;
  treeView: () => vscode.TreeView<TaskNode>;
}

/** A refusal the user can act on; shown without a stack in the log. */
export class CommandRefusal extends Error {
  override readonly name = 'CommandRefusal';
}

/** The task a command acts on: its argument (name or tree row), else the user's pick. */
export async function pickTask(services: TaskServices, argument: unknown): Promise<string | undefined> {
  if (typeof argument === 'string') return argument;
  if (isNode(argument) && 'task' in argument) return argument.task;
  if (isNode(argument) && argument.kind === 'task') return argument.name;
  const snapshot = services.tasksView.snapshot;
  if (snapshot.state !== 'loaded') throw new CommandRefusal('Open a folder with a valid gpt-batch.json first');
  if (snapshot.names.length === 1) return snapshot.names[0];
  return vscode.window.showQuickPick(snapshot.names, { title: 'GPT Batch: Task', placeHolder: 'Choose a task' });
}

function isNode(value: unknown): value is TaskNode {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/**
 * Runs `task` in `mode` with progress in a notification whose Cancel stops the run; returns the engine's result, or
 * undefined when the user declined (a wipe, or a run above `gptBatch.confirmCostAbove`).
 */
export async function runTaskMode(services: TaskServices, mode: RunMode, taskArgument: unknown, countArgument?: unknown): Promise<RunResult | undefined> {
  const task = await pickTask(services, taskArgument);
  if (task === undefined) return undefined;
  const file = services.tasksView.taskFileUri();
  if (file === undefined) throw new CommandRefusal('The workspace has no gpt-batch.json');
  const count = mode === 'previewRequests' || mode === 'directVerbose' ? await requestCount(countArgument) : undefined;
  if (mode === 'previewRequests' || mode === 'directVerbose') {
    if (count === undefined) return undefined;
  }
  if (isWipe(mode) && !(await confirmWipe(services, file, task, mode))) return undefined;
  const keys = await services.apiKeys.forRequest();
  const spending: SpendDecision = mode === 'run' ? await confirmSpending(services, file, task, keys) : { run: true };
  if (!spending.run) return undefined;
  const result = await runWithProgress(services, {
    file: file.fsPath,
    task,
    mode,
    ...(count === undefined ? {} : { count }),
    ...(isWipe(mode) ? { noRun: true } : {}),
    ...(spending.pilot === undefined ? {} : { pilot: spending.pilot }),
    ...keys,
  });
  services.log.info(`Task '${task}' (${mode}): ${result.outcome}`);
  await showResult(services, task, mode, result);
  return result;
}

function isWipe(mode: RunMode): boolean {
  return mode === 'wipeRequests' || mode === 'wipeFailed' || mode === 'wipeTask';
}

async function requestCount(argument: unknown): Promise<number | undefined> {
  if (typeof argument === 'number' && Number.isInteger(argument) && argument > 0) return argument;
  if (argument !== undefined) throw new CommandRefusal('The number of requests must be a whole number above 0');
  const fallback = vscode.workspace.getConfiguration('gptBatch').get<number>('previewRequests', 3);
  const typed = await vscode.window.showInputBox({
    title: 'GPT Batch: Number of requests',
    value: String(fallback),
    validateInput: (value) => (/^[1-9][0-9]*$/.test(value.trim()) ? undefined : 'A whole number above 0'),
  });
  return typed === undefined ? undefined : Number(typed.trim());
}

/** Asks before a wipe, saying what is lost. */
async function confirmWipe(services: TaskServices, file: vscode.Uri, task: string, mode: RunMode): Promise<boolean> {
  const snapshot = await readSnapshot(services, file, task);
  const remote = snapshot?.batches.filter((b) => b.place === 'remote').length ?? 0;
  const cancelled = remote > 0 ? `The ${remote} remote batches in flight will be cancelled at the provider.` : 'No remote batch is in flight, so nothing is cancelled.';
  switch (mode) {
    case 'wipeRequests':
      return services.confirm()(`Wipe the requests of task '${task}'?`, `Every request and batch not yet processed is forgotten; finished samples and the output stay. ${cancelled}`, 'Wipe Requests');
    case 'wipeFailed':
      return services.confirm()(`Wipe the failed samples of task '${task}'?`, `Failed samples are forgotten so they are tried again with a full retry budget, and every request not yet processed is forgotten. ${cancelled}`, 'Wipe Failed');
    case 'wipeTask':
      return services.confirm()(`Wipe task '${task}' entirely?`, `The whole task state and its output are deleted; the task starts from scratch at its next run. ${cancelled}`, 'Wipe Task');
    default:
      return true;
  }
}

async function showResult(services: TaskServices, task: string, mode: RunMode, result: RunResult): Promise<void> {
  if (mode === 'status') {
    await openPreview(services.previews.publish(task, 'status.txt', `${result.lines.join('\n')}\n`));
    return;
  }
  if (mode === 'previewRequests') {
    for (const exchange of result.exchanges) {
      await openPreview(services.previews.publish(task, `preview/id-${exchange.requestId}.request.json`, json(exchange.request)));
    }
    return;
  }
  if (mode === 'directVerbose') {
    for (const exchange of result.exchanges) {
      await openPreview(services.previews.publish(task, `direct/id-${exchange.requestId}.request.json`, json(exchange.request)));
      await openPreview(services.previews.publish(task, `direct/id-${exchange.requestId}.response.json`, json(exchange.response ?? null)), { beside: true });
    }
    return;
  }
  const message = result.outcome === 'done' ? `Task '${task}' is complete.` : result.outcome === 'stopped' ? `Task '${task}' stopped at a safe point; run it again to continue.` : `Task '${task}' has work left; run it again to continue.`;
  void vscode.window.showInformationMessage(`GPT Batch: ${message}`);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
