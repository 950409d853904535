import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProgressParams, RunResult } from '../../../src/protocol/messages';
import type { StatusBarState } from '../../../src/extension/statusBar';
import type { TaskNode } from '../../../src/extension/taskNodes';
import { extensionApi } from './extensionApi';
import { child, children, remoteBatchSeen, taskRow } from './treeRows';

const task = 'char_codes';

function simulatorUrl(): string {
  const url = process.env['GPT_BATCH_TEST_SIM_URL'];
  assert.ok(url, 'GPT_BATCH_TEST_SIM_URL is not set; run these suites through test/vscode/run.mjs');
  return url;
}

async function simStats(): Promise<{ routes: Record<string, number> }> {
  const response = await fetch(`${new URL(simulatorUrl()).origin}/__sim/stats`);
  return (await response.json()) as { routes: Record<string, number> };
}

async function samples(): Promise<{ committed: number; succeeded: number; failed: number; pending: number }> {
  const row = await taskRow(task);
  assert.ok(row.kind === 'task' && row.snapshot);
  return row.snapshot.samples;
}

describe('running tasks against the simulator', () => {
  before(async () => {
    const api = await extensionApi();
    await api.tasksView.whenLoaded();
    await vscode.commands.executeCommand('gptBatch.setApiKey', 'sk-simulated-key');
  });
  after(async () => {
    (await extensionApi()).answerConfirmations(undefined);
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
  });

  it('Preview Requests opens N request tabs without calling the API', async () => {
    const before = await simStats();
    const result = await vscode.commands.executeCommand<RunResult>('gptBatch.previewRequests', task, 3);
    assert.equal(result?.exchanges.length, 3);
    const previews = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'gpt-batch' && d.uri.path.startsWith(`/${task}/preview/`));
    assert.equal(previews.length, 3);
    for (const document of previews) assert.equal((JSON.parse(document.getText()) as { model: string }).model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual((await simStats()).routes, before.routes);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Run Task completes a session, the status bar shows its cost, and the tree lists batches and samples', async () => {
    const api = await extensionApi();
    // The status bar follows the task the user focuses; the suites before focused others.
    await api.treeView.reveal(await taskRow(task), { select: true });
    const states: StatusBarState[] = [];
    const watching = api.statusBar.onDidChange((state) => states.push(state));
    const result = await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task);
    watching.dispose();
    assert.notEqual(result?.outcome, 'stopped');
    const running = states.filter((s) => s.kind === 'task' && s.focused.running);
    assert.ok(running.length > 0, 'the status bar never showed the running task');
    const after = api.statusBar.state;
    assert.ok(after.kind === 'task' && !after.focused.running && after.focused.taskCost > 0 && after.focused.sessionCost > 0, 'the status bar lost the run after it ended');
    assert.match(api.statusBar.text, /^\$\(check\) char_codes \d+(\.\d)?% · \d+\.\d{4} session · \d+\.\d+ task/, 'after a run the status bar shows a percentage and cost figures');
    const counts = await samples();
    assert.ok(counts.succeeded >= 150, `only ${counts.succeeded} samples succeeded`);
    const processed = await child(await taskRow(task), (n) => n.kind === 'batchGroup' && n.group === 'processed');
    const batches = await children(processed);
    assert.ok(batches.length > 0);
    assert.ok(batches.every((b) => b.kind === 'batch' && /completed/.test(String(api.tasksView.getTreeItem(b).description))));
  });

  it('Stop in the middle of a run, then Run again, loses nothing; a remote batch lists and opens its requests', async () => {
    const api = await extensionApi();
    const before = await samples();
    const remoteSeen = remoteBatchSeen(task);
    const running = vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task);
    await remoteSeen;
    const remoteGroup = await child(await taskRow(task), (n) => n.kind === 'batchGroup' && n.group === 'remote');
    const batch = await child(remoteGroup, (n) => n.kind === 'batch' && n.batch.place === 'remote');
    const requests = await children(batch);
    assert.ok(requests.length > 0 && requests.every((r) => r.kind === 'attempt'));
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('gptBatch.openRequest', requests[0]);
    assert.match(editor?.document.getText() ?? '', /"custom_id": "id-\d+"/);
    assert.equal(await vscode.commands.executeCommand('gptBatch.stopTask', task), true);
    assert.equal((await running)?.outcome, 'stopped');
    const stopped = await samples();
    const resumed = await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task);
    assert.notEqual(resumed?.outcome, 'stopped');
    const after = await samples();
    assert.equal(after.failed, 0);
    assert.ok(after.succeeded > stopped.succeeded && stopped.succeeded >= before.succeeded);
    assert.ok(after.succeeded + after.pending >= stopped.succeeded + stopped.pending, 'samples committed before the stop were lost');
  });

  it('each wipe asks first: a refusal changes nothing, a confirmation wipes', async () => {
    const api = await extensionApi();
    const asked: string[] = [];
    api.answerConfirmations(false, asked);
    const before = await samples();
    assert.equal(await vscode.commands.executeCommand('gptBatch.wipeTask', task), undefined);
    assert.deepEqual(await samples(), before);
    api.answerConfirmations(true, asked);
    assert.equal((await vscode.commands.executeCommand<RunResult>('gptBatch.wipeRequests', task))?.outcome, 'incomplete');
    assert.equal((await samples()).succeeded, before.succeeded, 'wiping requests dropped finished samples');
    await vscode.commands.executeCommand<RunResult>('gptBatch.wipeFailed', task);
    await vscode.commands.executeCommand<RunResult>('gptBatch.wipeTask', task);
    assert.deepEqual(await samples(), { committed: 0, succeeded: 0, failed: 0, pending: 0 });
    assert.equal(asked.length, 4);
    assert.match(asked[0] ?? '', /whole task state and its output are deleted/);
    assert.match(asked[1] ?? '', /Every request and batch not yet processed is forgotten/);
    assert.match(asked[2] ?? '', /Failed samples are forgotten/);
  });
});
