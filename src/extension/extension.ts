import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { DashboardPanels } from './dashboardPanel';
import { TaskFileDiagnostics } from './diagnostics';
import { EngineHost } from './engineHost';
import { PreviewProvider } from './previews';
import { ApiKeys } from './secrets';
import { declaresDashboard, StatusBar } from './statusBar';
import { TaskFocus } from './statusFocus';
import { registerTaskCodeLens } from './taskCodeLens';
import { type Confirm, modalConfirm } from './taskCommands';
import type { TaskNode } from './taskNodes';
import { TasksView } from './tasksView';

/** What `activate` returns when the extension runs under tests (`ExtensionMode.Test`), and only then. */
export interface TestApi {
  /** The stored OpenAI API key, for tests to compare without logging it. */
  readApiKey(): Thenable<string | undefined>;
  /** The value the extension last gave the `gptBatch.hasApiKey` context key. */
  hasApiKeyContext(): boolean | undefined;
  /** The stored Anthropic API key, for tests to compare without logging it. */
  readAnthropicApiKey(): Thenable<string | undefined>;
  /** The value the extension last gave the `gptBatch.hasAnthropicApiKey` context key. */
  hasAnthropicApiKeyContext(): boolean | undefined;
  engine: EngineHost;
  /** The read-only query worker, which answers the tree's, previews' and Find Sample's reads. */
  reader: EngineHost;
  treeView: vscode.TreeView<TaskNode>;
  tasksView: TasksView;
  statusBar: StatusBar;
  diagnostics: TaskFileDiagnostics;
  dashboards: DashboardPanels;
  /** Answers every confirmation (wipes, costly runs) in place of the modal dialog, recording its message; undefined restores the dialog. */
  answerConfirmations(answer: boolean | undefined, asked?: string[]): void;
  /** The file behind the "GPT Batch" log output channel. */
  logFile: vscode.Uri;
}

let stopEngine: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  // First, so that everything after it, including a failed activation, can be logged.
  const log = vscode.window.createOutputChannel('GPT Batch', { log: true });
  context.subscriptions.push(log);
  try {
    const apiKeys = new ApiKeys(context.secrets, log);
    context.subscriptions.push(apiKeys);
    const engine = new EngineHost(context.asAbsolutePath('dist/worker.js'), log);
    context.subscriptions.push(engine);
    const reader = new EngineHost(context.asAbsolutePath('dist/reader.js'), log, 'reader');
    context.subscriptions.push(reader);
    stopEngine = async () => {
      await Promise.all([engine.shutdown(), reader.shutdown()]);
    };
    const tasksView = new TasksView(log, engine, reader);
    const treeView = vscode.window.createTreeView<TaskNode>('gptBatch.tasks', { treeDataProvider: tasksView, showCollapseAll: true });
    const taskFocus = new TaskFocus(treeView, tasksView);
    const statusBar = new StatusBar(engine, declaresDashboard(context.extension.packageJSON as Parameters<typeof declaresDashboard>[0]), taskFocus);
    const previews = new PreviewProvider(reader, () => tasksView.taskFileUri());
    const diagnostics = new TaskFileDiagnostics(reader, log);
    const dashboards = new DashboardPanels(engine, reader, vscode.Uri.joinPath(context.extensionUri, 'media'), () => tasksView.taskFileUri(), log);
    context.subscriptions.push(tasksView, treeView, taskFocus, statusBar, previews, diagnostics, dashboards, registerTaskCodeLens());
    let confirm: Confirm = modalConfirm;
    const services = { log, apiKeys, engine, reader, tasksView, previews, dashboards, confirm: () => confirm, treeView: () => treeView };
    context.subscriptions.push(...registerCommands(services));
    log.info(`GPT Batch ${context.extension.packageJSON.version} activated`);
    if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
    return {
      readApiKey: () => apiKeys.openai.get(),
      hasApiKeyContext: () => apiKeys.openai.hasApiKey,
      readAnthropicApiKey: () => apiKeys.anthropic.get(),
      hasAnthropicApiKeyContext: () => apiKeys.anthropic.hasApiKey,
      engine,
      reader,
      treeView,
      tasksView,
      statusBar,
      diagnostics,
      dashboards,
      answerConfirmations: (answer, asked) => {
        confirm =
          answer === undefined
            ? modalConfirm
            : async (message, detail) => {
                asked?.push(`${message} ${detail}`);
                return answer;
              };
      },
      logFile: vscode.Uri.joinPath(context.logUri, 'GPT Batch.log'),
    };
  } catch (error) {
    log.error('Activation failed:', error);
    void vscode.window.showErrorMessage(`GPT Batch could not start: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

/** Stops a running task at a safe point (like Stop) and the engine; VS Code waits at most 5 s for this. */
export function deactivate(): Promise<void> | undefined {
  return stopEngine?.();
}
