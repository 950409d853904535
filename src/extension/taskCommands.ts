import * as vscode from 'vscode';
import type { ProgressParams, RunMode, RunResult } from '../protocol/messages';
import type { TaskSnapshot } from '../shared/taskSnapshot';
import type { DashboardPanels } from './dashboardPanel';
import type { EngineHost } from './engineHost';
import { openPreview, type PreviewProvider } from './previews';
import type { ApiKeys } from './secrets';
import type { TasksView } from './tasksView';
import type { TaskNode } from './taskNodes';
import { formatCost } from './taskNodes';

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

const modeTitles: Record<RunMode, string> = {
  run: 'Running',
  dryRun: 'Dry run of',
  previewRequests: 'Previewing the requests of',
  directVerbose: 'Running direct requests of',
  onlyProcess: 'Processing finished batches of',
  wipeRequests: 'Wiping the requests of',
  wipeFailed: 'Wiping the failed samples of',
  wipeTask: 'Wiping',
  reinitMeta: 'Reinitialising the metadata of',
  status: 'Reading the status of',
};

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

/** Runs `task` in `mode` with progress in a notification whose Cancel stops the run; returns the engine's result. */
export async function runTaskMode(services: TaskServices, mode: RunMode, taskArgument: unknown, countArgument?: unknown): Promise<RunResult | undefined> {
  const task = await pickTask(services, taskArgument);
  if (task === undefined) return undefined;
  const file = services.tasksView.taskFileUri();
  if (file === undefined) throw new CommandRefusal('The workspace has no gpt-batch.json');
  const count = mode === 'previewRequests' || mode === 'directVerbose' ? await requestCount(countArgument) : undefined;
  if (mode === 'previewRequests' || mode === 'directVerbose') {
    if (count === undefined) return undefined;
  }
  if (!(await confirmMode(services, file, task, mode))) return undefined;
  const keys = await services.apiKeys.forRequest();
  const params = { file: file.fsPath, task, mode, ...(count === undefined ? {} : { count }), ...(isWipe(mode) ? { noRun: true } : {}), ...keys };
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `GPT Batch: ${modeTitles[mode]} ${task}`, cancellable: true },
    async (progress, token) => {
      const stopping = token.onCancellationRequested(() => void services.engine.request('task/stop', { file: file.fsPath, task }));
      const following = services.engine.listen('task/progress', (p) => {
        if (p.task !== task) return;
        progress.report({ message: progressMessage(p) });
      });
      try {
        return await services.engine.request('task/run', params);
      } finally {
        stopping.dispose();
        following.dispose();
      }
    },
  );
  services.log.info(`Task '${task}' (${mode}): ${result.outcome}`);
  await showResult(services, task, mode, result);
  return result;
}

function isWipe(mode: RunMode): boolean {
  return mode === 'wipeRequests' || mode === 'wipeFailed' || mode === 'wipeTask';
}

function progressMessage(p: ProgressParams): string {
  const { succeeded, failed, pending } = p.samples;
  return `${succeeded} succeeded, ${failed} failed, ${pending} pending; ${p.remoteBatches} remote batches; spent ${formatCost(p.sessionCost)}`;
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

async function readSnapshot(services: TaskServices, file: vscode.Uri, task: string): Promise<TaskSnapshot | undefined> {
  const { tasks } = await services.reader.request('tasks/snapshot', { file: file.fsPath });
  return tasks.find((t) => t.name === task);
}

/** Asks before a wipe (saying what is lost) and before a run whose queued estimate exceeds the setting. */
async function confirmMode(services: TaskServices, file: vscode.Uri, task: string, mode: RunMode): Promise<boolean> {
  const threshold = vscode.workspace.getConfiguration('gptBatch').get<number>('confirmCostAbove', 0);
  if (!isWipe(mode) && !(mode === 'run' && threshold > 0)) return true;
  const snapshot = await readSnapshot(services, file, task);
  const remote = snapshot?.batches.filter((b) => b.place === 'remote').length ?? 0;
  const cancelled = remote > 0 ? `The ${remote} remote batches in flight will be cancelled at the provider.` : 'No remote batch is in flight, so nothing is cancelled.';
  switch (mode) {
    case 'run': {
      const estimate = snapshot?.queuedEstimate ?? 0;
      if (estimate <= threshold) return true;
      return services.confirm()(`Run task '${task}'?`, `The batches queued for it are estimated at ${formatCost(estimate)}, above the confirmation threshold of ${formatCost(threshold)} (setting gptBatch.confirmCostAbove).`, 'Run');
    }
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
