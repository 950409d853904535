import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TaskFileSnapshot } from '../../../src/extension/tasksView';
import type { TaskNode } from '../../../src/extension/taskNodes';
import { extensionApi, when } from './extensionApi';

function taskFileUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder');
  return vscode.Uri.joinPath(folder.uri, 'gpt-batch.json');
}

async function writeTaskFile(text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(taskFileUri(), new TextEncoder().encode(text));
}

async function rowIds(api: Awaited<ReturnType<typeof extensionApi>>): Promise<(string | undefined)[]> {
  return (await api.tasksView.getChildren()).map((node: TaskNode) => api.tasksView.getTreeItem(node).id);
}

/** Waits for the view to reach a snapshot `state` after a change on disk. */
async function viewState(state: TaskFileSnapshot['state'], extra: (snapshot: TaskFileSnapshot) => boolean = () => true) {
  const api = await extensionApi();
  await when(api.tasksView.onDidChangeTreeData, () => api.tasksView.snapshot.state === state && extra(api.tasksView.snapshot));
  return api;
}

describe('tasks view', () => {
  let original: Uint8Array;
  before(async () => {
    original = await vscode.workspace.fs.readFile(taskFileUri());
  });
  // The workspace may be the fixture itself (the "Extension Tests" launch configuration), so leave it as it was.
  after(async () => {
    await vscode.workspace.fs.writeFile(taskFileUri(), original);
  });

  it('lists the tasks of the fixture task file with stable ids', async () => {
    const api = await extensionApi();
    await api.tasksView.whenLoaded();
    const tasks = ['char_codes', 'utterance_emotion', 'inspected', 'estimated', 'answers', 'vectors', 'claude', 'direct'];
    assert.deepEqual(await rowIds(api), tasks.map((task) => `task:${task}`));
    assert.deepEqual(
      (await api.tasksView.getChildren()).map((node) => api.tasksView.getTreeItem(node).label),
      tasks,
    );
  });

  it('puts Run, Dry Run and Dashboard links above each task of the task file, each acting on its task', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', taskFileUri());
    const document = await vscode.workspace.openTextDocument(taskFileUri());
    const found = lenses.map((lens) => [document.lineAt(lens.range.start.line).text.trim().split(':')[0], lens.command?.title, lens.command?.command, lens.command?.arguments?.[0]]);
    for (const task of ['char_codes', 'utterance_emotion', 'inspected', 'estimated']) {
      assert.deepEqual(
        found.filter((lens) => lens[3] === task),
        [
          [`"${task}"`, '$(play) Run', 'gptBatch.runTask', task],
          [`"${task}"`, 'Dry Run', 'gptBatch.dryRun', task],
          [`"${task}"`, 'Dashboard', 'gptBatch.openDashboard', task],
        ],
      );
    }
  });

  it('refreshes when the task file is edited', async () => {
    await writeTaskFile('{ "tasks": { "renamed": { "task": "demo:char_codes" }, "char_codes": {} } }');
    const api = await viewState('loaded', (s) => s.state === 'loaded' && s.names.includes('renamed'));
    assert.deepEqual(await rowIds(api), ['task:renamed', 'task:char_codes']);
  });

  it('shows one error row naming the problem when the file is malformed', async () => {
    await writeTaskFile('{ "tasks": [ ] }');
    const api = await viewState('invalid');
    const rows = await api.tasksView.getChildren();
    assert.equal(rows.length, 1);
    const row = rows[0];
    assert.ok(row?.kind === 'error');
    assert.match(row.message, /gpt-batch\.json: "tasks" must be an object/);
  });

  it('without a task file shows the welcome view, whose button creates a valid template', async () => {
    await vscode.workspace.fs.delete(taskFileUri());
    const api = await viewState('missing');
    assert.deepEqual(await api.tasksView.getChildren(), [], 'an empty tree is what lets the welcome view show');

    const created = await vscode.commands.executeCommand<vscode.Uri>('gptBatch.createTaskFile');
    assert.equal(created?.toString(), taskFileUri().toString());
    const template = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(taskFileUri())));
    assert.deepEqual(template, {
      tasks: {
        char_codes: {
          task: 'demo:char_codes',
          model: 'gpt-4o-mini-2024-07-18',
          cost_input_direct_mtoken: 0.15,
          cost_input_cached_mtoken: 0.075,
          cost_input_batch_mtoken: 0.075,
          cost_output_direct_mtoken: 0.6,
          cost_output_batch_mtoken: 0.3,
          assumed_completion_ratio: 0.25,
        },
      },
    });
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), taskFileUri().toString());
    await viewState('loaded');
    assert.deepEqual(await rowIds(api), ['task:char_codes']);
  });

  it('refuses to overwrite an existing task file', async () => {
    await writeTaskFile('{ "tasks": { "mine": {} } }');
    const result = await vscode.commands.executeCommand<vscode.Uri | undefined>('gptBatch.createTaskFile');
    assert.equal(result, undefined);
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(taskFileUri())), '{ "tasks": { "mine": {} } }');
  });
});
