import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProgressParams, RunResult } from '../../../src/protocol/messages';
import { render, type StatusBarState } from '../../../src/extension/statusBar';
import { followedTask } from '../../../src/extension/statusFocus';
import { extensionApi, when } from './extensionApi';
import { taskRow } from './treeRows';

/** Resolves once the status bar shows `task` (and `extra` holds of its figures). */
async function statusShows(task: string, extra: (p: ProgressParams, othersRunning: string[]) => boolean = () => true): Promise<void> {
  const api = await extensionApi();
  await when(api.statusBar.onDidChange, () => {
    const state = api.statusBar.state;
    return state.kind === 'task' && state.focused.task === task && extra(state.focused, state.othersRunning);
  });
}

async function selectTask(task: string): Promise<void> {
  const api = await extensionApi();
  await api.treeView.reveal(await taskRow(task), { select: true, focus: true });
}

/** Puts the cursor of an editor of the fixture's gpt-batch.json on the line that declares `task`. */
async function cursorOnTask(task: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder');
  const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'gpt-batch.json'));
  const line = editor.document.getText().split('\n').findIndex((text) => text.includes(`"${task}":`));
  assert.ok(line >= 0, `gpt-batch.json declares no task ${task}`);
  editor.selection = new vscode.Selection(line, 8, line, 8);
}

// The tasks here ran in the suites before (inspected, char_codes), so the status bar knows the figures of both.
describe('the task the status bar follows', function () {
  this.timeout(180_000);
  before(async () => {
    const api = await extensionApi();
    await api.tasksView.whenLoaded();
    await vscode.commands.executeCommand('gptBatch.setApiKey', 'sk-simulated-key');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
  });

  it('falls back from a focused task without figures to the running task shown, then the one started last, then the one shown', () => {
    const progress = (task: string, running: boolean) => ({ task, running }) as ProgressParams;
    const tasks = new Map([
      ['a', progress('a', true)],
      ['b', progress('b', false)],
      ['c', progress('c', true)],
    ]);
    assert.equal(followedTask(tasks, 'b', 'a'), 'b');
    assert.equal(followedTask(tasks, 'never-ran', 'a'), 'a');
    assert.equal(followedTask(tasks, undefined, 'b'), 'c');
    assert.equal(followedTask(new Map([['b', progress('b', false)], ['d', progress('d', false)]]), undefined, 'b'), 'b');
    assert.equal(followedTask(new Map([['b', progress('b', false)]]), undefined, undefined), 'b');
    assert.equal(followedTask(new Map(), 'b', undefined), undefined);
  });

  it('follows the task selected in the tasks view, and the task under the cursor in gpt-batch.json', async () => {
    const api = await extensionApi();
    for (const task of ['inspected', 'char_codes']) {
      const shown = statusShows(task);
      await selectTask(task);
      await shown;
      assert.match(api.statusBar.text, new RegExp(`^\\$\\(check\\) ${task} \\d+(\\.\\d)?% · `));
    }
    for (const task of ['inspected', 'char_codes']) {
      const shown = statusShows(task);
      await cursorOnTask(task);
      await shown;
    }
  });

  it('with two tasks running it shows the focused one and says how many run, and keeps it after its run', async () => {
    const api = await extensionApi();
    await selectTask('char_codes');
    const states: StatusBarState[] = [];
    const watching = api.statusBar.onDidChange((state) => states.push(state));
    const results = await Promise.all(['char_codes', 'inspected'].map((task) => vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task)));
    watching.dispose();
    assert.ok(results.every((result) => result !== undefined && result.outcome !== 'stopped'));
    const both = states.filter((state) => state.kind === 'task' && state.focused.running && state.othersRunning.includes('inspected'));
    assert.ok(both.length > 0, 'the status bar never showed both runs');
    assert.ok(both.every((state) => state.kind === 'task' && state.focused.task === 'char_codes'), 'the status bar left the selected task while it ran');
    assert.match(render(both[0] as StatusBarState).text, /^\$\(sync~spin\) char_codes .* · 2 tasks running$/);
    const last = api.statusBar.state;
    assert.ok(last.kind === 'task' && last.focused.task === 'char_codes' && !last.focused.running && last.othersRunning.length === 0);
  });
});
