import * as vscode from 'vscode';
import { attemptParts, noCommittedEstimate, type PageItem, type PageSource, type SampleItem, type TaskSnapshot } from '../shared/taskSnapshot';
import type { EngineHost } from './engineHost';
import { Disposable } from './lifecycle';
import { readTaskNames, taskFileName } from './taskFile';
import { taskChildren } from './taskChildren';
import { nodeId, type TaskNode, toTreeItem } from './taskNodes';

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

/** Most rows one page request may ask for (the reader's limit). */
const maxPageRequest = 1000;
/** Bursts of file events (a save writes several times) collapse into one reload. */
const reloadDebounceMs = 150;
/** "Task changed" notifications of a running task collapse into one refresh of that task per this interval. */
const taskRefreshDebounceMs = 300;
/** Requests or samples listed per page under a batch or sample group (`gptBatch.treePageSize`, within the reader's limit). */
function pageSize(): number {
  const size = vscode.workspace.getConfiguration('gptBatch').get<number>('treePageSize', 200);
  return Math.min(maxPageRequest, Math.max(10, Math.floor(size)));
}

type TaskRow = Extract<TaskNode, { kind: 'task' }>;
type SampleRow = Extract<TaskNode, { kind: 'sample' }>;

/** The pages of a list read so far, and where the next one starts. */
interface LoadedList {
  task: string;
  source: PageSource;
  items: PageItem[];
  total: number;
  totalAtLeast: boolean;
  next: string | undefined;
  /** The task changed since these pages were read: the next listing reads as many rows again, from the start. */
  stale: boolean;
}



/**
 * The `gptBatch.tasks` tree: one row per task of `gpt-batch.json` in the first workspace folder. The file is read
 * asynchronously into a snapshot, re-read when it changes on disk. A task's rows come from the reader (the read-only
 * query worker), a page at a time, and are read again when the engine says the task changed.
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
  /** The pages read of each paged list, by the id of the list's node. */
  private readonly lists = new Map<string, LoadedList>();
  /** The sample Find Sample found last, by task; listed right under the task's summary. */
  private readonly found = new Map<string, SampleRow>();
  private readonly refreshTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    engine: EngineHost,
    private readonly reader: EngineHost,
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

  /** The folder of each task whose files were read. */
  taskDirs(): ReadonlyMap<string, string> {
    const dirs = new Map<string, string>();
    for (const [name, row] of this.taskRows) if (row.snapshot !== undefined && row.snapshot.taskDir !== '') dirs.set(name, row.snapshot.taskDir);
    return dirs;
  }

  /** Re-reads a task's files and refreshes its row and everything under it. */
  async refreshTask(name: string): Promise<void> {
    const declared = this.current.state === 'loaded' && this.current.names.includes(name);
    const row = this.taskRows.get(name) ?? (declared ? this.newTaskRow(name) : undefined);
    const file = this.taskFileUri();
    if (row === undefined || file === undefined) return;
    for (const [id, list] of this.lists) if (id.startsWith(`task:${name}/`)) list.stale = true;
    row.snapshot = await this.fetchSnapshot(file, name);
    row.running = this.running.has(name);
    this.changed.fire(row);
  }

  /** Reads the next page of the list that `more` ends and shows it below the rows already listed. */
  async loadMore(more: TaskNode): Promise<void> {
    const list = more.kind === 'more' ? this.lists.get(more.parentId) : undefined;
    const file = this.taskFileUri();
    if (more.kind !== 'more' || list === undefined || file === undefined || list.next !== more.next) return;
    const page = await this.reader.request('task/page', { file: file.fsPath, task: list.task, source: list.source, after: more.next, limit: pageSize() });
    list.items.push(...page.items);
    list.total = page.total;
    list.totalAtLeast = page.totalAtLeast ?? false;
    list.next = page.next;
    const parent = this.parents.get(more.parentId);
    if (parent !== undefined) this.changed.fire(parent);
  }

  /** Lists `sample` right under its task's summary (replacing the one found before) and returns its row, to reveal. */
  showFound(task: string, sample: SampleItem): TaskNode | undefined {
    const row = this.taskRows.get(task);
    if (row === undefined) return undefined;
    const found: SampleRow = { kind: 'sample', task, listing: 'found', item: sample };
    this.found.set(task, found);
    this.lists.delete(nodeId(found));
    this.parents.set(nodeId(found), row);
    this.changed.fire(row);
    return found;
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
    return this.parents.get(nodeId(node)) ?? (node.kind === 'sample' && node.listing === 'found' ? this.taskRows.get(node.task) : undefined);
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
        return taskChildren(node.name, node.snapshot, this.found.get(node.name));
      }
      case 'batchGroup': {
        const rows: TaskNode[] = node.batches.map((batch) => ({ kind: 'batch', task: node.task, batch }));
        if (node.older > 0) rows.push({ kind: 'note', id: `${nodeId(node)}/older`, message: `${node.older} older processed batches are not listed` });
        return rows;
      }
      case 'batch': {
        const parentId = nodeId(node);
        return this.list(file, node, { kind: 'batch', place: node.batch.place, id: node.batch.id }, (item) =>
          item.kind === 'attempt' ? { kind: 'attempt', task: node.task, parentId, under: 'batch', attempt: item } : undefined,
        );
      }
      case 'sampleGroup':
        return this.list(file, node, { kind: 'samples', group: node.group }, (item) => (item.kind === 'sample' ? { kind: 'sample', task: node.task, listing: node.group, item } : undefined));
      case 'sample': {
        const parentId = nodeId(node);
        return this.list(file, node, { kind: 'attempts', key: node.item.key }, (item) =>
          item.kind === 'attempt' ? { kind: 'attempt', task: node.task, parentId, under: 'sample', attempt: item } : undefined,
        );
      }
      case 'attempt':
        return attemptParts.map((part) => ({ kind: 'attemptPart', task: node.task, parentId: nodeId(node), attempt: node.attempt, part }));
      default:
        return [];
    }
  }

  /**
   * The rows of a paged list: the pages read so far (the first one is read now if none was), then "More…". After the
   * task changed, the list is read again as far as the user had paged it, so a refresh keeps the rows they loaded.
   */
  private async list(file: vscode.Uri, parent: TaskNode & { task: string }, source: PageSource, toNode: (item: PageItem) => TaskNode | undefined): Promise<TaskNode[]> {
    const parentId = nodeId(parent);
    try {
      let list = this.lists.get(parentId);
      if (list === undefined || list.stale) {
        list = await this.readList(file, parent.task, source, Math.max(pageSize(), list?.items.length ?? 0));
        this.lists.set(parentId, list);
      }
      const nodes = list.items.map(toNode).filter((row): row is TaskNode => row !== undefined);
      if (list.next !== undefined) nodes.push({ kind: 'more', parentId, shown: list.items.length, total: list.total, totalAtLeast: list.totalAtLeast, next: list.next });
      return nodes;
    } catch (error) {
      return [{ kind: 'error', id: `${parentId}/error`, message: (error as Error).message }];
    }
  }

  /** The first `rows` rows of a list, in as few page requests as the reader allows. */
  private async readList(file: vscode.Uri, task: string, source: PageSource, rows: number): Promise<LoadedList> {
    const list: LoadedList = { task, source, items: [], total: 0, totalAtLeast: false, next: undefined, stale: false };
    do {
      const limit = Math.min(maxPageRequest, rows - list.items.length);
      const page = await this.reader.request('task/page', { file: file.fsPath, task, source, limit, ...(list.next === undefined ? {} : { after: list.next }) });
      list.items.push(...page.items);
      list.total = page.total;
      list.totalAtLeast = page.totalAtLeast ?? false;
      list.next = page.next;
    } while (list.next !== undefined && list.items.length < rows);
    return list;
  }

  private async fetchSnapshot(file: vscode.Uri, task: string): Promise<TaskSnapshot> {
    try {
      const { tasks } = await this.reader.request('tasks/snapshot', { file: file.fsPath });
      const found = tasks.find((t) => t.name === task);
      if (found !== undefined) return found;
      throw new Error(`${taskFileName} no longer declares task '${task}'`);
    } catch (error) {
      this.log.warn(`Cannot read the files of task '${task}':`, error);
      return { name: task, taskDir: '', prefix: task, started: true, error: (error as Error).message, queuedRequests: 0, taskCost: 0, queuedEstimate: 0, estimate: noCommittedEstimate, pilotsCost: 0, batches: [], olderProcessed: 0, samples: { committed: 0, succeeded: 0, failed: 0, pending: 0 } };
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
        this.lists.clear();
        this.found.clear();
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
