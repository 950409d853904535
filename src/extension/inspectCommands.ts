import * as vscode from 'vscode';
import { attemptParts, type AttemptPart, type FoundSample } from '../shared/taskSnapshot';
import { keyLabel, partTitle } from './nodeLabels';
import { openPreview, storedUri } from './previews';
import { CommandRefusal, pickTask, type TaskServices } from './taskCommands';
import type { TaskNode } from './taskNodes';

/** The commands that open what a task holds: attempts, their parts and samples, and Find Sample. */

type AttemptRow = Extract<TaskNode, { kind: 'attempt' | 'attemptPart' }>;

/** Samples Find Sample lists as the user types. */
const findLimit = 50;
/** Keystrokes closer together than this make one query. */
const findDebounceMs = 150;

function attemptRow(node: unknown, what: string): AttemptRow {
  const row = node as TaskNode | undefined;
  if (row?.kind !== 'attempt' && row?.kind !== 'attemptPart') throw new CommandRefusal(`Choose ${what} in the GPT Batch view`);
  return row;
}

function openPart(row: AttemptRow, part: AttemptPart, options: { beside?: boolean; preview?: boolean }): Thenable<vscode.TextEditor> {
  const uri = storedUri({ kind: 'attempt', task: row.task, requestId: row.attempt.requestId, part }, partTitle(row.task, row.attempt, part));
  return openPreview(uri, options);
}

/** Opens an attempt's request, its response (or error) and its parsed result, each in a read-only tab; returns them in that order. */
export async function openAttempt(node: unknown): Promise<vscode.TextEditor[]> {
  const row = attemptRow(node, 'an attempt');
  const editors: vscode.TextEditor[] = [];
  for (const part of attemptParts) editors.push(await openPart(row, part, { beside: part !== 'request' }));
  return editors;
}

/** Opens one part of an attempt (a part row), or the request of an attempt row. */
export function openAttemptPart(node: unknown): Thenable<vscode.TextEditor> {
  const row = attemptRow(node, 'a request or attempt');
  return openPart(row, row.kind === 'attemptPart' ? row.part : 'request', { preview: true });
}

/** Opens what the task stores of a sample: its committed, succeeded and failed state. */
export function openSample(node: unknown): Thenable<vscode.TextEditor> {
  const row = node as TaskNode | undefined;
  if (row?.kind !== 'sample') throw new CommandRefusal('Choose a sample in the GPT Batch view');
  return openPreview(storedUri({ kind: 'sample', task: row.task, key: row.item.key }, `${row.task} · ${keyLabel(row.item.key)} · sample`), { preview: true });
}

/**
 * Asks for a sample key (matching keys are listed as the user types), lists the sample under its task and reveals
 * it there. `keyArgument` skips the question and takes that exact key. Returns the revealed row.
 */
export async function findSample(services: TaskServices, taskArgument: unknown, keyArgument: unknown): Promise<TaskNode | undefined> {
  const task = await pickTask(services, taskArgument);
  const file = services.tasksView.taskFileUri();
  if (task === undefined || file === undefined) return undefined;
  const find = async (prefix: string) => (await services.reader.request('samples/find', { file: file.fsPath, task, prefix, limit: findLimit })).samples;
  let sample: FoundSample | undefined;
  if (keyArgument !== undefined) {
    if (typeof keyArgument !== 'string') throw new CommandRefusal('The sample key argument must be a string');
    sample = (await find(keyArgument)).find((found) => found.key === keyArgument);
    if (sample === undefined) throw new CommandRefusal(`Task '${task}' has no sample '${keyArgument}'`);
  } else {
    sample = await pickSample(task, find, services.log);
    if (sample === undefined) return undefined;
  }
  await services.tasksView.refreshTask(task);
  const row = services.tasksView.showFound(task, sample);
  if (row === undefined) throw new CommandRefusal(`The GPT Batch view does not list task '${task}'`);
  await services.treeView().reveal(row, { select: true, focus: true, expand: true });
  return row;
}

type SamplePick = vscode.QuickPickItem & { sample: FoundSample };

function pickSample(task: string, find: (prefix: string) => Promise<FoundSample[]>, log: vscode.LogOutputChannel): Promise<FoundSample | undefined> {
  const quickPick = vscode.window.createQuickPick<SamplePick>();
  quickPick.title = `GPT Batch: Find a sample of ${task}`;
  quickPick.placeholder = 'Type the start of a sample key';
  quickPick.matchOnDescription = true;
  let timer: NodeJS.Timeout | undefined;
  let asked = 0;
  const search = (prefix: string) => {
    const query = ++asked;
    quickPick.busy = true;
    find(prefix).then(
      (samples) => {
        if (query !== asked) return;
        quickPick.items = samples.map((sample) => ({ label: keyLabel(sample.key), description: sample.states.join(', '), detail: sample.detail, sample }));
        quickPick.busy = false;
      },
      (error: unknown) => {
        log.warn(`Find Sample of task '${task}':`, error);
        quickPick.busy = false;
      },
    );
  };
  quickPick.onDidChangeValue((value) => {
    clearTimeout(timer);
    timer = setTimeout(() => search(value), findDebounceMs);
  });
  search('');
  return new Promise((resolve) => {
    quickPick.onDidAccept(() => {
      resolve(quickPick.selectedItems[0]?.sample);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      clearTimeout(timer);
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}
