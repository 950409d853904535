import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { readTaskNames, taskFileName } from './taskFile';
import { type TaskNode, toTreeItem } from './taskNodes';

/** What the view knows about the task file of the first workspace folder. */
export type TaskFileSnapshot =
  | { state: 'noFolder' }
  | { state: 'missing'; uri: vscode.Uri }
  | { state: 'loaded'; uri: vscode.Uri; names: string[] }
  | { state: 'invalid'; uri: vscode.Uri; message: string };

/** Context key that is true when a workspace folder is open but has no task file; the welcome view shows then. */
const taskFileMissingContext = 'gptBatch.taskFileMissing';

/** Bursts of file events (a save writes several times) collapse into one reload. */
const reloadDebounceMs = 150;

/**
 * The `gptBatch.tasks` tree: one row per task of `gpt-batch.json` in the first workspace folder. The file is read
 * asynchronously into a snapshot, re-read when it changes on disk, and `getChildren` only reads that snapshot.
 */
export class TasksView extends Disposable implements vscode.TreeDataProvider<TaskNode> {
  private readonly changed = this.register(new vscode.EventEmitter<undefined>());
  /** Fires after every reload of the task file, once the new snapshot is in place. */
  readonly onDidChangeTreeData = this.changed.event;
  private current: TaskFileSnapshot = { state: 'noFolder' };
  private watcher: vscode.FileSystemWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> = Promise.resolve();

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.watchFirstFolder()));
    this.register({ dispose: () => this.watcher?.dispose() });
    this.register({ dispose: () => clearTimeout(this.reloadTimer) });
    this.watchFirstFolder();
  }

  get snapshot(): TaskFileSnapshot {
    return this.current;
  }

  /** Resolves when the reload in progress, if any, has finished. */
  whenLoaded(): Promise<void> {
    return this.loading;
  }

  getTreeItem(node: TaskNode): vscode.TreeItem {
    return toTreeItem(node);
  }

  getChildren(node?: TaskNode): TaskNode[] {
    if (node !== undefined) return [];
    switch (this.current.state) {
      case 'noFolder':
      case 'missing':
        return [];
      case 'invalid':
        return [{ kind: 'error', message: this.current.message }];
      case 'loaded':
        if (this.current.names.length === 0) return [{ kind: 'empty' }];
        return this.current.names.map((name) => ({ kind: 'task', name }));
    }
  }

  getParent(): undefined {
    return undefined;
  }

  private watchFirstFolder(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder !== undefined) {
      this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, taskFileName));
      const schedule = () => this.scheduleReload();
      this.watcher.onDidCreate(schedule);
      this.watcher.onDidChange(schedule);
      this.watcher.onDidDelete(schedule);
    }
    this.reload();
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => this.reload(), reloadDebounceMs);
  }

  private reload(): void {
    const folder = vscode.workspace.workspaceFolders?.[0];
    // Reloads run one after another, so an older read can never overwrite a newer snapshot.
    this.loading = this.loading.then(async () => {
      try {
        this.current = folder === undefined ? { state: 'noFolder' } : await readSnapshot(vscode.Uri.joinPath(folder.uri, taskFileName));
        if (this.current.state === 'invalid') this.log.warn(this.current.message);
        await vscode.commands.executeCommand('setContext', taskFileMissingContext, this.current.state === 'missing');
      } catch (error) {
        this.log.error(`Cannot reload ${taskFileName}:`, error);
      }
      if (!this.isDisposed) this.changed.fire(undefined);
    });
  }
}

async function readSnapshot(uri: vscode.Uri): Promise<TaskFileSnapshot> {
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return { state: 'missing', uri };
    return { state: 'invalid', uri, message: `Cannot read ${uri.fsPath}: ${(error as Error).message}` };
  }
  try {
    return { state: 'loaded', uri, names: readTaskNames(new TextDecoder().decode(bytes)) };
  } catch (error) {
    return { state: 'invalid', uri, message: (error as Error).message };
  }
}
