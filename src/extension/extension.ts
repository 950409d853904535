import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { EngineHost } from './engineHost';
import { ApiKeyStore } from './secrets';
import { StatusBar } from './statusBar';
import { TasksView } from './tasksView';

/** What `activate` returns when the extension runs under tests (`ExtensionMode.Test`), and only then. */
export interface TestApi {
  /** The stored API key, for tests to compare without logging it. */
  readApiKey(): Thenable<string | undefined>;
  /** The value the extension last gave the `gptBatch.hasApiKey` context key. */
  hasApiKeyContext(): boolean | undefined;
  engine: EngineHost;
  tasksView: TasksView;
  /** The file behind the "GPT Batch" log output channel. */
  logFile: vscode.Uri;
}

let stopEngine: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  // First, so that everything after it, including a failed activation, can be logged.
  const log = vscode.window.createOutputChannel('GPT Batch', { log: true });
  context.subscriptions.push(log);
  try {
    const apiKeys = new ApiKeyStore(context.secrets, log);
    context.subscriptions.push(apiKeys);
    const engine = new EngineHost(context.asAbsolutePath('dist/worker.js'), log);
    context.subscriptions.push(engine);
    stopEngine = () => engine.shutdown();
    const tasksView = new TasksView(log);
    context.subscriptions.push(tasksView, vscode.window.createTreeView('gptBatch.tasks', { treeDataProvider: tasksView }));
    context.subscriptions.push(new StatusBar({ kind: 'idle' }));
    context.subscriptions.push(...registerCommands({ log, apiKeys, engine }));
    log.info(`GPT Batch ${context.extension.packageJSON.version} activated`);
    if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
    return {
      readApiKey: () => apiKeys.get(),
      hasApiKeyContext: () => apiKeys.hasApiKey,
      engine,
      tasksView,
      logFile: vscode.Uri.joinPath(context.logUri, 'GPT Batch.log'),
    };
  } catch (error) {
    log.error('Activation failed:', error);
    void vscode.window.showErrorMessage(`GPT Batch could not start: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

/** Gives a running engine the chance to stop at a safe point; VS Code waits at most 5 s for this. */
export function deactivate(): Promise<void> | undefined {
  return stopEngine?.();
}
