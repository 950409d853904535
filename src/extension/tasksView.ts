import * as vscode from 'vscode';
import type { PageSource, SampleGroup, TaskSnapshot } from '../shared/taskSnapshot';
import type { EngineHost } from './engineHost';
import { Disposable } from './lifecycle';
import { readTaskNames, taskFileName } from './taskFile';
import { type BatchGroup, groupOf, nodeId, type TaskNode, toTreeItem } from './taskNodes';

/** What the view knows about the task file of the first workspace folder. */
export type TaskFileSnapshot =
  | { state: 'noFolder' }
  | { state: 'missing'; uri: vscode.Uri }
  | { state: 'loaded'; uri: vscode.Uri; names: string[] }
  | { state: 'invalid'; uri: vscode.Uri; message: string };

/** Context key that is true when a workspace folder is open but has no task file; the welcome view shows then. */
const taskFileMissingContext = 'gptBatch.taskFileMissing';

/** Context key that is true while a task runs; the Stop button of the view's title shows then. */
const runningContext = 'gptBatch.running';

/** Bursts of file events (a save writes several times) collapse into one reload. */
const reloadDebounceMs = 150;
/** "Task changed" notifications of a running task collapse into one refresh of that task per this interval. */
const taskRefreshDebounceMs = 300;
/** Requests or samples listed per page under a batch or sample group. */
export const pageSize = 200;

type TaskRow = Extract<TaskNode, { kind: 'task' }>;

/**
 * The `gptBatch.tasks` tree: one row per task of `gpt-batch.json` in the first workspace folder. The file is read
 * asynchronously into a snapshot, re-read when it changes on disk, and `getChildren` only reads that snapshot.
 */
export class TasksView extends Disposable implements vscode.TreeDataProvider<TaskNode> {
  private readonly changed = this.register(new vscode.EventEmitter<TaskNode | undefined>());
  /** Fires after every reload of the task file (undefined) and after a task's files changed (that task's row). */
  readonly onDidChangeTreeData = this.changed.event;
  private current: TaskFileSnapshot = { state: 'noFolder' };
  private watcher: vscode.FileSystemWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> = Promise.resolve();
  /** Task rows by name, kept as the same objects across refreshes so a refresh can target one row. */
  private readonly taskRows = new Map<string, TaskRow>();
  private readonly running = new Set<string>();
  private readonly parents = new Map<string, TaskNode>();
  /** How many rows of each paged list are shown, by the id of the list's node. */
  private readonly shown = new Map<string, number>();
  private readonly refreshTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly engine: EngineHost,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.watchFirstFolder()));
    this.register({ dispose: () => this.watcher?.dispose() });
    this.register({ dispose: () => clearTimeout(this.reloadTimer) });
    this.register({ dispose: () => this.refreshTimers.forEach((timer) => clearTimeout(timer)) });
    this.register(engine.listen('task/changed', ({ task, running }) => this.taskChanged(task, running)));
    this.watchFirstFolder();
  }

  get snapshot(): TaskFileSnapshot {
    return this.current;
  }

  /** The row of a task, if the task file declares it. */
  taskRow(name: string): TaskNode | undefined {
    return this.taskRows.get(name);
  }

  /** Re-reads a task's files and refreshes its row and everything under it. */
  async refreshTask(name: string): Promise<void> {
    const declared = this.current.state === 'loaded' && this.current.names.includes(name);
    const row = this.taskRows.get(name) ?? (declared ? this.newTaskRow(name) : undefined);
    const file = this.taskFileUri();
    if (row === undefined || file === undefined) return;
    for (const id of this.shown.keys()) if (id.startsWith(`task:${name}/`)) this.shown.delete(id);
    row.snapshot = await this.fetchSnapshot(file, name);
    row.running = this.running.has(name);
    this.changed.fire(row);
  }

  /** Shows one more page of the list that `more` ends. */
  loadMore(more: TaskNode): void {
    if (more.kind !== 'more') return;
    const parent = this.parents.get(more.parentId);
    this.shown.set(more.parentId, more.shown + pageSize);
    if (parent !== undefined) this.changed.fire(parent);
  }

  /** The task file of the first workspace folder, when it exists. */
  taskFileUri(): vscode.Uri | undefined {
    return this.current.state === 'loaded' || this.current.state === 'invalid' ? this.current.uri : undefined;
  }

  /** Resolves when the reload in progress, if any, has finished. */
  whenLoaded(): Promise<void> {
    return this.loading;
  }

  getTreeItem(node: TaskNode): vscode.TreeItem {
    return toTreeItem(node);
  }

  async getChildren(node?: TaskNode): Promise<TaskNode[]> {
    return this.adopt(node, node === undefined ? this.roots() : await this.childrenOf(node));
  }

  getParent(node: TaskNode): TaskNode | undefined {
    return this.parents.get(nodeId(node));
  }

  private adopt(parent: TaskNode | undefined, children: TaskNode[]): TaskNode[] {
    for (const child of children) {
      if (parent === undefined) this.parents.delete(nodeId(child));
      else this.parents.set(nodeId(child), parent);
    }
    return children;
  }

  private roots(): TaskNode[] {
    switch (this.current.state) {
      case 'noFolder':
      case 'missing':
        return [];
      case 'invalid':
        return [{ kind: 'error', id: 'error', message: this.current.message }];
      case 'loaded':
        if (this.current.names.length === 0) return [{ kind: 'empty' }];
        return this.current.names.map((name) => this.taskRows.get(name) ?? this.newTaskRow(name));
    }
  }

  private newTaskRow(name: string): TaskRow {
    const row: TaskRow = { kind: 'task', name, running: this.running.has(name), snapshot: undefined };
    this.taskRows.set(name, row);
    return row;
  }

  private async childrenOf(node: TaskNode): Promise<TaskNode[]> {
    const file = this.taskFileUri();
    if (file === undefined) return [];
    switch (node.kind) {
      case 'task': {
        node.snapshot ??= await this.fetchSnapshot(file, node.name);
        return taskChildren(node.name, node.snapshot);
      }
      case 'batchGroup':
        return node.batches.map((batch) => ({ kind: 'batch', task: node.task, batch }));
      case 'batch':
        return this.page(file, node, node.task, { kind: 'batch', place: node.batch.place, id: node.batch.id }, (item) => ({ kind: 'request', task: node.task, batch: node.batch, item }));
      case 'sampleGroup':
        return this.page(file, node, node.task, { kind: 'samples', group: node.group }, (item) => ({ kind: 'sample', task: node.task, group: node.group, item }));
      default:
        return [];
    }
  }

  private async page(file: vscode.Uri, parent: TaskNode, task: string, source: PageSource, toNode: (item: { key: string; label: string; description?: string }) => TaskNode): Promise<TaskNode[]> {
    const parentId = nodeId(parent);
    const limit = this.shown.get(parentId) ?? pageSize;
    try {
      const page = await this.engine.request('task/page', { file: file.fsPath, task, source, offset: 0, limit });
      const nodes = page.items.map(toNode);
      if (page.total > page.items.length) nodes.push({ kind: 'more', parentId, shown: page.items.length, total: page.total });
      return nodes;
    } catch (error) {
      return [{ kind: 'error', id: `${parentId}/error`, message: (error as Error).message }];
    }
  }

  private async fetchSnapshot(file: vscode.Uri, task: string): Promise<TaskSnapshot> {
    try {
      const { tasks, running } = await this.engine.request('tasks/snapshot', { file: file.fsPath });
      for (const name of this.running) if (!running.includes(name)) this.running.delete(name);
      for (const name of running) this.running.add(name);
      const found = tasks.find((t) => t.name === task);
      if (found !== undefined) return found;
      throw new Error(`${taskFileName} no longer declares task '${task}'`);
    } catch (error) {
      this.log.warn(`Cannot read the files of task '${task}':`, error);
      return { name: task, taskDir: '', prefix: task, started: true, error: (error as Error).message, queuedRequests: 0, taskCost: 0, queuedEstimate: 0, batches: [], olderProcessed: 0, samples: { committed: 0, succeeded: 0, failed: 0, pending: 0 } };
    }
  }

  private taskChanged(task: string, running: boolean): void {
    if (running) this.running.add(task);
    else this.running.delete(task);
    void vscode.commands.executeCommand('setContext', runningContext, this.running.size > 0);
    const row = this.taskRows.get(task);
    if (row !== undefined && row.running !== running) {
      row.running = running;
      this.changed.fire(row);
    }
    clearTimeout(this.refreshTimers.get(task));
    this.refreshTimers.set(
      task,
      setTimeout(() => {
        this.refreshTimers.delete(task);
        void this.refreshTask(task);
      }, taskRefreshDebounceMs),
    );
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
        // Task rows start afresh: the task file may point a task at other files now.
        this.taskRows.clear();
        this.parents.clear();
        this.shown.clear();
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

const sampleGroups: SampleGroup[] = ['succeeded', 'failed', 'pending'];
const batchGroups: BatchGroup[] = ['local', 'remote', 'direct'];

function taskChildren(task: string, snapshot: TaskSnapshot): TaskNode[] {
  const nodes: TaskNode[] = [{ kind: 'summary', task, snapshot }];
  if (snapshot.wandbUrl !== undefined) nodes.push({ kind: 'wandbRun', task, url: snapshot.wandbUrl });
  if (snapshot.error !== undefined || !snapshot.started) return nodes;
  for (const group of batchGroups) {
    const batches = snapshot.batches.filter((batch) => groupOf(batch) === group);
    nodes.push({ kind: 'batchGroup', task, group, batches });
  }
  for (const group of sampleGroups) nodes.push({ kind: 'sampleGroup', task, group, count: snapshot.samples[group] });
  return nodes;
}
