import * as vscode from 'vscode';
import { EngineError } from '../engine/errors';
import type { PingResult } from '../protocol/messages';
import type { EngineHost } from './engineHost';
import type { ApiKeyStore } from './secrets';
import { taskFileName, taskFileTemplate } from './taskFile';

/** What command handlers work with. */
export interface CommandServices {
  log: vscode.LogOutputChannel;
  apiKeys: ApiKeyStore;
  engine: EngineHost;
}

/** A refusal the user can act on (no folder open, file already there); shown without a stack in the log. */
class CommandRefusal extends Error {
  override readonly name = 'CommandRefusal';
}

type Handler = (services: CommandServices, ...args: unknown[]) => unknown;

/** Every command of the extension; the ids match `contributes.commands` in package.json. */
const commandTable = {
  'gptBatch.showLog': ({ log }) => log.show(),
  'gptBatch.setApiKey': (services, apiKey) => setApiKey(services, apiKey),
  'gptBatch.clearApiKey': ({ apiKeys }) => apiKeys.delete(),
  'gptBatch.createTaskFile': () => createTaskFile(),
  'gptBatch.pingEngine': (services) => pingEngine(services),
} satisfies Record<string, Handler>;

export type CommandId = keyof typeof commandTable;

/** Registers every command of the table; a failing command shows its error with a "Show Log" action. */
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
  void vscode.window.showErrorMessage(`GPT Batch: ${message}`, 'Show Log').then((choice) => {
    if (choice === 'Show Log') log.show();
  });
}

/** Stores the key given as argument (for automation) or typed into a password box; cancelling stores nothing. */
async function setApiKey({ apiKeys }: CommandServices, argument: unknown): Promise<void> {
  if (argument !== undefined && typeof argument !== 'string') throw new CommandRefusal('The API key argument must be a string');
  const typed =
    argument ??
    (await vscode.window.showInputBox({
      title: 'GPT Batch: OpenAI API Key',
      prompt: 'Stored in VS Code secret storage, never in settings or files',
      placeHolder: 'sk-...',
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() === '' ? 'Enter a key' : undefined),
    }));
  if (typed === undefined) return;
  const apiKey = typed.trim();
  if (apiKey === '') throw new CommandRefusal('The API key is empty');
  await apiKeys.store(apiKey);
}

/** Writes the template task file into the first workspace folder and opens it; returns its URI. */
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

/** Starts the engine worker if needed and asks where it runs. */
async function pingEngine({ engine, log }: CommandServices): Promise<PingResult> {
  const pong = await engine.request('engine/ping', {}, { timeoutMs: 30_000 });
  log.info(`Engine answered ping: pid ${pong.pid}, thread ${pong.threadId}, Node ${pong.node}`);
  return pong;
}
