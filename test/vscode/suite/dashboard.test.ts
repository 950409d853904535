import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunResult } from '../../../src/protocol/messages';
import { extensionApi } from './extensionApi';

const task = 'utterance_emotion';

describe('the task dashboard', () => {
  before(async () => {
    await (await extensionApi()).tasksView.whenLoaded();
    await vscode.commands.executeCommand('gptBatch.setApiKey', 'sk-simulated-key');
  });
  after(async () => {
    const api = await extensionApi();
    // The other suites expect this task as the fixture has it: never run.
    api.answerConfirmations(true);
    await vscode.commands.executeCommand<RunResult>('gptBatch.wipeTask', task);
    api.answerConfirmations(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
  });

  it('opens for a task that never ran and reads as such, with every cost cap and no chart marks', async () => {
    const api = await extensionApi();
    const openedAt = Date.now() / 1000 - 1;
    await vscode.commands.executeCommand('gptBatch.openDashboard', task);
    const state = await api.dashboards.whenDrawn(task, openedAt);
    assert.equal(state.error, undefined);
    assert.equal(state.data?.started, false);
    assert.deepEqual(state.drawn, { progress: 0, caps: 5, timeline: 0, costs: 0, ratios: 0 });
  });

  it('follows a run live and then draws every chart with its data', async () => {
    const api = await extensionApi();
    const result = await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task);
    assert.ok(result !== undefined && result.outcome !== 'stopped', `the run ended ${result?.outcome}`);
    const ranAt = Date.now() / 1000;
    // No command: the run's own notifications refresh the open dashboard.
    const state = await api.dashboards.whenDrawn(task, ranAt);
    assert.equal(state.error, undefined);
    const data = state.data;
    assert.ok(data?.started && data.samples.succeeded > 0, 'the dashboard shows no finished sample');
    const drawn = state.drawn ?? {};
    for (const chart of ['progress', 'timeline', 'costs', 'ratios']) assert.ok((drawn[chart] ?? 0) > 0, `the ${chart} chart drew nothing: ${JSON.stringify(drawn)}`);
    assert.equal(drawn['caps'], 5);
    assert.equal(drawn['timeline'], data.batches.filter((b) => b.pushedAt !== undefined).length);
  });
});
