import path from 'node:path';
import * as vscode from 'vscode';
import type { ProgressParams } from '../protocol/messages';
import { Disposable } from './lifecycle';
import { taskFileName, taskKeyLocations } from './taskFile';
import type { TaskNode } from './taskNodes';

/**
 * The task the status bar shows, from the latest progress of every task seen (in the order they were last started):
 * the task the user focuses, when its figures are known; else the task shown before while it still runs; else the
 * running task started last; else the task shown before; else the one reported last.
 */
export function followedTask(tasks: ReadonlyMap<string, ProgressParams>, focused: string | undefined, shown: string | undefined): string | undefined {
  if (focused !== undefined && tasks.has(focused)) return focused;
  if (shown !== undefined && tasks.get(shown)?.running === true) return shown;
  const running = [...tasks.values()].filter((t) => t.running).at(-1);
  if (running !== undefined) return running.task;
  if (shown !== undefined && tasks.has(shown)) return shown;
  return [...tasks.keys()].at(-1);
}

/** The task of `gpt-batch.json` whose definition holds `line` (0-based): the last one declared at or above it. */
export function taskAtLine(text: string, line: number): string | undefined {
  return taskKeyLocations(text)
    .filter((location) => location.line - 1 <= line)
    .at(-1)?.task;
}

/** Where the task of a tasks view row is: a file, so the editor's file can be matched against task folders. */
export interface TaskDirs {
  /** The folder of each task whose files were read, by task name. */
  taskDirs(): ReadonlyMap<string, string>;
}

/**
 * The task the user works on: the task of the row last selected in the tasks view, or of the file last made active
 * in an editor (the task under the cursor in `gpt-batch.json`, or the task whose folder holds the file). Selecting
 * something that belongs to no task keeps the focus where it was.
 */
export class TaskFocus extends Disposable {
  private current: string | undefined;
  private readonly changed = this.register(new vscode.EventEmitter<string>());
  /** Fires with the task whenever the focus moves to another task. */
  readonly onDidChange = this.changed.event;

  constructor(
    treeView: vscode.TreeView<TaskNode>,
    private readonly dirs: TaskDirs,
  ) {
    super();
    this.register(treeView.onDidChangeSelection(({ selection }) => this.set(selection[0] === undefined ? undefined : taskOfNode(selection[0]))));
    this.register(vscode.window.onDidChangeActiveTextEditor((editor) => this.set(editor === undefined ? undefined : this.taskOfEditor(editor))));
    this.register(
      vscode.window.onDidChangeTextEditorSelection(({ textEditor }) => {
        if (isTaskFile(textEditor.document.uri)) this.set(this.taskOfEditor(textEditor));
      }),
    );
    const active = vscode.window.activeTextEditor;
    if (active !== undefined) this.current = this.taskOfEditor(active);
  }

  /** The focused task, once the user focused one. */
  get task(): string | undefined {
    return this.current;
  }

  private set(task: string | undefined): void {
    if (task === undefined || task === this.current) return;
    this.current = task;
    this.changed.fire(task);
  }

  private taskOfEditor(editor: vscode.TextEditor): string | undefined {
    const uri = editor.document.uri;
    if (isTaskFile(uri)) return taskAtLine(editor.document.getText(), editor.selection.active.line);
    if (uri.scheme === 'gpt-batch') return uri.path.split('/')[1];
    if (uri.scheme !== 'file') return undefined;
    for (const [task, dir] of this.dirs.taskDirs()) {
      const relative = path.relative(dir, uri.fsPath);
      if (!relative.startsWith('..') && !path.isAbsolute(relative)) return task;
    }
    return undefined;
  }
}

function isTaskFile(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && path.basename(uri.fsPath) === taskFileName;
}

function taskOfNode(node: TaskNode): string | undefined {
  if (node.kind === 'task') return node.name;
  return 'task' in node ? node.task : undefined;
}
