import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunResult } from '../../../src/protocol/messages';
import { keyLabel } from '../../../src/extension/nodeLabels';
import { nodeId, type TaskNode } from '../../../src/extension/taskNodes';
import { extensionApi, when } from './extensionApi';
import { allRows, child, children, remoteBatchSeen, taskRow } from './treeRows';

/** A task of the fixture that only these tests run, so the other suites see their tasks as they left them. */
const task = 'inspected';

function simulatorOrigin(): string {
  const url = process.env['GPT_BATCH_TEST_SIM_URL'];
  assert.ok(url, 'GPT_BATCH_TEST_SIM_URL is not set; run these suites through test/vscode/run.mjs');
  return new URL(url).origin;
}

async function setFaults(faults: Record<string, number>): Promise<void> {
  const response = await fetch(`${simulatorOrigin()}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  assert.equal(response.status, 200, await response.text());
}

async function group(kind: 'batchGroup' | 'sampleGroup', name: string): Promise<TaskNode> {
  return child(await taskRow(task), (n) => n.kind === kind && n.group === name);
}

async function sampleKeys(name: string): Promise<string[]> {
  const rows = await allRows(await group('sampleGroup', name));
  assert.ok(rows.every((row) => row.kind === 'sample'), `${name} lists rows that are not samples`);
  return rows.map((row) => (row.kind === 'sample' ? row.item.key : '')).sort();
}

describe('the inspector tree of a task run against the simulator', function () {
  this.timeout(180_000);
  before(async () => {
    const api = await extensionApi();
    await api.tasksView.whenLoaded();
    await vscode.commands.executeCommand('gptBatch.setApiKey', 'sk-simulated-key');
    // A fatal error on one line in four: those samples fail for good (the task processes such batches anyway), the others succeed.
    await setFaults({ lineErrorRate: 0.25, lineErrorStatus: 400 });
    const result = await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task);
    assert.ok(result !== undefined && result.outcome !== 'stopped', `the run of ${task} did not finish: ${JSON.stringify(result?.outcome)}`);
    await setFaults({ lineErrorRate: 0 });
  });
  after(async () => {
    await setFaults({ lineErrorRate: 0 });
    const api = await extensionApi();
    api.answerConfirmations(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
  });

  it('expanding a processed batch lists its requests, each with what it got', async () => {
    const api = await extensionApi();
    const processed = await group('batchGroup', 'processed');
    const batch = await child(processed, (n) => n.kind === 'batch');
    assert.ok(batch.kind === 'batch' && batch.batch.place === 'processed');
    const item = api.tasksView.getTreeItem(batch);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const requests = await children(batch);
    assert.equal(requests.length, batch.batch.numRequests);
    assert.ok(requests.every((row) => row.kind === 'attempt' && row.attempt.outcome !== undefined));
    assert.match(String(api.tasksView.getTreeItem(requests[0] as TaskNode).label), /^id-\d+ · char-/);
  });

  it('a refresh, as when the task changes, keeps the pages loaded with More under a list', async () => {
    const api = await extensionApi();
    const settings = vscode.workspace.getConfiguration('gptBatch');
    await settings.update('treePageSize', 10, vscode.ConfigurationTarget.Global);
    try {
      const succeeded = await group('sampleGroup', 'succeeded');
      const keysOf = (rows: TaskNode[]) => rows.map((row) => (row.kind === 'sample' ? row.item.key : row.kind));
      const first = await children(succeeded);
      assert.equal(first.length, 11, `expected 10 samples and More, got ${keysOf(first).join(', ')}`);
      await api.tasksView.loadMore(first.at(-1) as TaskNode);
      const loaded = await children(succeeded);
      assert.ok(loaded.length > 11 && loaded.slice(0, 10).every((row, i) => nodeId(row) === nodeId(first[i] as TaskNode)));
      await api.tasksView.refreshTask(task);
      const refreshed = await children(succeeded);
      assert.deepEqual(keysOf(refreshed), keysOf(loaded));
      const [before, after] = [loaded.at(-1), refreshed.at(-1)];
      if (before?.kind === 'more') assert.ok(after?.kind === 'more' && after.next === before.next && after.shown === 20, 'the refreshed list reads a different span');
    } finally {
      await settings.update('treePageSize', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it("a sample's attempt opens its request, response and parsed result as JSON tabs titled in words", async () => {
    // A `/` in a key reads `∕` in a title; a key without one keeps the comparison plain.
    const key = (await sampleKeys('succeeded')).find((k) => !k.includes('/'));
    assert.ok(key !== undefined);
    const sample = await child(await group('sampleGroup', 'succeeded'), (n) => n.kind === 'sample' && n.item.key === key);
    const attempt = await child(sample, (n) => n.kind === 'attempt');
    assert.equal((await extensionApi()).tasksView.getTreeItem(attempt).label, 'Attempt 1');
    const editors = await vscode.commands.executeCommand<vscode.TextEditor[]>('gptBatch.openAttempt', attempt);
    assert.equal(editors?.length, 3);
    const titles = editors.map((editor) => editor.document.uri.path.split('/').at(-1));
    const subject = keyLabel(key);
    assert.deepEqual(titles, [`${task} · ${subject} · request`, `${task} · ${subject} · response`, `${task} · ${subject} · parsed`]);
    for (const title of titles) assert.doesNotMatch(title ?? '', /%[0-9A-F]{2}/, 'a title is URL-encoded');
    const tabLabels = vscode.window.tabGroups.all.flatMap((tabGroup) => tabGroup.tabs.map((tab) => tab.label));
    for (const title of titles) assert.ok(tabLabels.includes(title ?? ''), `no tab is labelled "${title}" (tabs: ${tabLabels.join(' | ')})`);
    assert.ok(editors.every((editor) => editor.document.languageId === 'json'));
    const [request, response, parsed] = editors.map((editor) => JSON.parse(editor.document.getText()) as Record<string, unknown>);
    assert.equal((request?.body as { model?: string }).model, 'gpt-4o-mini-2024-07-18');
    assert.equal(response?.object, 'chat.completion');
    assert.equal(typeof (parsed?.parsed as { character?: unknown }).character, 'string');
  });

  it('the errored filter shows exactly the failed samples of a run with line errors', async () => {
    const failed = await sampleKeys('failed');
    const succeeded = await sampleKeys('succeeded');
    assert.ok(failed.length > 0 && succeeded.length > 0, `expected both failed and succeeded samples, got ${failed.length} and ${succeeded.length}`);
    assert.deepEqual(await sampleKeys('errored'), failed);
  });

  it('Find Sample lists the sample under its task and reveals it', async () => {
    const [key] = await sampleKeys('failed');
    assert.ok(key !== undefined);
    const found = await vscode.commands.executeCommand<TaskNode>('gptBatch.findSample', task, key);
    assert.ok(found?.kind === 'sample' && found.listing === 'found' && found.item.key === key);
    const api = await extensionApi();
    const foundId = api.tasksView.getTreeItem(found).id;
    await when(api.treeView.onDidChangeSelection, () => api.treeView.selection.some((row) => api.tasksView.getTreeItem(row).id === foundId));
    const attempts = await children(found);
    assert.ok(attempts.length > 0 && attempts.every((row) => row.kind === 'attempt' && row.attempt.outcome === 'failed'));
  });

  it('Cancel Batch cancels a remote batch at the provider, and the run processes what it finished', async () => {
    const api = await extensionApi();
    const remoteSeen = remoteBatchSeen(task);
    const running = vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task);
    await remoteSeen;
    const batch = await child(await group('batchGroup', 'remote'), (n) => n.kind === 'batch');
    assert.ok(batch.kind === 'batch' && batch.batch.remoteId !== undefined);
    const asked: string[] = [];
    api.answerConfirmations(true, asked);
    const status = await vscode.commands.executeCommand<string>('gptBatch.cancelBatch', batch);
    assert.ok(status === 'cancelling' || status === 'cancelled', `the provider answered ${status}`);
    assert.match(asked[0] ?? '', new RegExp(`Cancel remote batch ${batch.batch.id} `));
    assert.notEqual((await running)?.outcome, undefined);
    const processed = await allRows(await group('batchGroup', 'processed'));
    const cancelled = processed.find((row) => row.kind === 'batch' && row.batch.id === batch.batch.id);
    assert.ok(cancelled?.kind === 'batch', `batch ${batch.batch.id} was not processed`);
    assert.equal(cancelled.batch.status, 'cancelled');
  });
});
