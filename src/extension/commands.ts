import * as vscode from 'vscode';
import { EngineError } from '../shared/errors';
import { failureActions } from './failureActions';
import type { PingResult } from '../protocol/messages';
import { findSample, openAttempt, openAttemptPart, openSample } from './inspectCommands';
import type { ApiKeyStore } from './secrets';
import { taskFileName, taskFileTemplate } from './taskFile';
import { CommandRefusal, pickTask, runTaskMode, type TaskServices } from './taskCommands';
import type { TaskNode } from './taskNodes';

/** What command handlers work with. */
export type CommandServices = TaskServices;

type Handler = (services: CommandServices, ...args: unknown[]) => unknown;

/** Every command of the extension; the ids match `contributes.commands` in package.json. */
const commandTable = {
  'gptBatch.showLog': ({ log }) => log.show(),
  'gptBatch.setApiKey': ({ apiKeys }, apiKey) => setApiKey(apiKeys.openai, apiKey),
  'gptBatch.clearApiKey': ({ apiKeys }) => apiKeys.openai.delete(),
  'gptBatch.setAnthropicApiKey': ({ apiKeys }, apiKey) => setApiKey(apiKeys.anthropic, apiKey),
  'gptBatch.clearAnthropicApiKey': ({ apiKeys }) => apiKeys.anthropic.delete(),
  'gptBatch.createTaskFile': () => createTaskFile(),
  'gptBatch.pingEngine': (services) => pingEngine(services),
  'gptBatch.runTask': (services, task) => runTaskMode(services, 'run', task),
  'gptBatch.stopTask': (services, task) => stopTask(services, task),
  'gptBatch.dryRun': (services, task) => runTaskMode(services, 'dryRun', task),
  'gptBatch.previewRequests': (services, task, count) => runTaskMode(services, 'previewRequests', task, count),
  'gptBatch.runDirectVerbose': (services, task, count) => runTaskMode(services, 'directVerbose', task, count),
  'gptBatch.onlyProcess': (services, task) => runTaskMode(services, 'onlyProcess', task),
  'gptBatch.wipeRequests': (services, task) => runTaskMode(services, 'wipeRequests', task),
  'gptBatch.wipeFailed': (services, task) => runTaskMode(services, 'wipeFailed', task),
  'gptBatch.wipeTask': (services, task) => runTaskMode(services, 'wipeTask', task),
  'gptBatch.reinitMeta': (services, task) => runTaskMode(services, 'reinitMeta', task),
  'gptBatch.showStatus': (services, task) => runTaskMode(services, 'status', task),
  'gptBatch.refresh': ({ tasksView }) => Promise.all([...new Set(tasksView.snapshot.state === 'loaded' ? tasksView.snapshot.names : [])].map((name) => tasksView.refreshTask(name))),
  'gptBatch.revealTask': (services, task) => revealTask(services, task),
  'gptBatch.openRequest': (_services, node) => openAttemptPart(node),
  'gptBatch.openAttempt': (_services, node) => openAttempt(node),
  'gptBatch.openAttemptPart': (_services, node) => openAttemptPart(node),
  'gptBatch.openSample': (_services, node) => openSample(node),
  'gptBatch.findSample': (services, task, key) => findSample(services, task, key),
  'gptBatch.loadMore': ({ tasksView }, node) => tasksView.loadMore(node as TaskNode),
  'gptBatch.cancelBatch': (services, node) => cancelBatch(services, node),
  'gptBatch.openDashboard': (services, task) => openDashboard(services, task),
} satisfies Record<string, Handler>;

export type CommandId = keyof typeof commandTable;

/** Registers every command of the table; a failing command shows its error with the action that fixes it, if any, and "Show Log". */
export function registerCommands(services: CommandServices): vscode.Disposable[] {
  return Object.entries(commandTable).map(([id, handler]: [string, Handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(services, ...args);
      } catch (error) {
        reportFailure(services.log, id, error);
        return undefined;
      }
    }),
  );
}

function reportFailure(log: vscode.LogOutputChannel, id: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CommandRefusal || error instanceof EngineError) log.warn(`${id}: ${message}`);
  else log.error(`${id} failed:`, error);
  const actions = failureActions(error);
  void vscode.window.showErrorMessage(`GPT Batch: ${message}`, ...actions.map((action) => action.title)).then((choice) => {
    const chosen = actions.find((action) => action.title === choice);
    if (chosen === undefined) return;
    if (chosen.command === undefined) log.show();
    else void vscode.commands.executeCommand(chosen.command);
  });
}

/** Stores the key given as argument (for automation) or typed into a password box; cancelling stores nothing. */
async function setApiKey(store: ApiKeyStore, argument: unknown): Promise<void> {
  if (argument !== undefined && typeof argument !== 'string') throw new CommandRefusal('The API key argument must be a string');
  const { provider } = store.slot;
  const typed =
    argument ??
    (await vscode.window.showInputBox({
      title: `GPT Batch: ${provider} API Key`,
      prompt: 'Stored in VS Code secret storage, never in settings or files',
      placeHolder: provider === 'Anthropic' ? 'sk-ant-...' : 'sk-...',
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() === '' ? 'Enter a key' : undefined),
    }));
  if (typed === undefined) return;
  const apiKey = typed.trim();
  if (apiKey === '') throw new CommandRefusal('The API key is empty');
  await store.store(apiKey);
}

/** Writes the template task file into the first workspace folder and opens it; returns its URI. */
async function stopTask(services: CommandServices, argument: unknown): Promise<boolean> {
  const task = await pickTask(services, argument);
  const file = services.tasksView.taskFileUri();
  if (task === undefined || file === undefined) return false;
  const { wasRunning } = await services.engine.request('task/stop', { file: file.fsPath, task });
  if (!wasRunning) void vscode.window.showInformationMessage(`GPT Batch: task '${task}' is not running.`);
  return wasRunning;
}

async function revealTask({ tasksView, treeView }: CommandServices, task: unknown): Promise<void> {
  const row = typeof task === 'string' ? tasksView.taskRow(task) : undefined;
  if (row === undefined) {
    await vscode.commands.executeCommand('gptBatch.tasks.focus');
    return;
  }
  await treeView().reveal(row, { select: true, focus: true, expand: true });
}

async function cancelBatch(services: CommandServices, node: unknown): Promise<string | undefined> {
  const row = node as TaskNode;
  const file = services.tasksView.taskFileUri();
  if (row?.kind !== 'batch' || row.batch.remoteId === undefined || file === undefined) throw new CommandRefusal('Choose a remote batch in the GPT Batch view');
  const go = await services.confirm()(`Cancel remote batch ${row.batch.id} of task '${row.task}'?`, `The provider stops batch ${row.batch.remoteId}; requests it has not finished fail and are retried by the next run.`, 'Cancel Batch');
  if (!go) return undefined;
  const keys = await services.apiKeys.forRequest();
  const { status } = await services.engine.request('batch/cancel', { file: file.fsPath, task: row.task, remoteId: row.batch.remoteId, ...keys });
  return status;
}

/** Opens the dashboard of the task given (a name or a tree row), or of the one picked. */
async function openDashboard(services: CommandServices, argument: unknown): Promise<void> {
  const task = await pickTask(services, argument);
  if (task !== undefined) await services.dashboards.open(task);
}

async function createTaskFile(): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) throw new CommandRefusal(`Open a folder first; ${taskFileName} is created in it`);
  const uri = vscode.Uri.joinPath(folder.uri, taskFileName);
  if (await exists(uri)) throw new CommandRefusal(`${uri.fsPath} already exists; it was left unchanged`);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(taskFileTemplate()));
  await vscode.window.showTextDocument(uri);
  return uri;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return false;
    throw error;
  }
}

/** Starts the engine worker if needed, asks where it runs and which SQLite it opens, and shows the answer. */
async function pingEngine({ engine, log }: CommandServices): Promise<PingResult> {
  const pong = await engine.request('engine/ping', {}, { timeoutMs: 30_000 });
  const where = `pid ${pong.pid}, thread ${pong.threadId}, Node ${pong.node}`;
  const { sqlite } = pong;
  if ('version' in sqlite) {
    log.info(`Engine answered ping: ${where}, SQLite ${sqlite.version} from ${sqlite.addon}`);
    void vscode.window.showInformationMessage(`GPT Batch: Engine ready · SQLite ${sqlite.version}`);
  } else {
    log.warn(`Engine answered ping: ${where}, but cannot open SQLite: ${sqlite.error}`);
    void vscode.window.showWarningMessage(`GPT Batch: Engine running, but it cannot open SQLite: ${sqlite.error}`, 'Show Log').then((choice) => {
      if (choice === 'Show Log') log.show();
    });
  }
  return pong;
}
