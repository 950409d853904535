import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { render } from '../../../src/extension/statusBar';
import { extensionApi, extensionId } from './extensionApi';

describe('activation', () => {
  it('activates on a workspace holding gpt-batch.json', async () => {
    await extensionApi();
    assert.equal(vscode.extensions.getExtension(extensionId)?.isActive, true);
  });

  it('registers every command of the manifest, each in the GPT Batch category', async () => {
    await extensionApi();
    const manifest = vscode.extensions.getExtension(extensionId)?.packageJSON as {
      contributes: { commands: { command: string; category: string }[] };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    const declared = manifest.contributes.commands;
    for (const id of ['runTask', 'stopTask', 'dryRun', 'previewRequests', 'runDirectVerbose', 'onlyProcess', 'wipeRequests', 'wipeFailed', 'wipeTask', 'reinitMeta', 'showStatus', 'setApiKey', 'showLog']) {
      assert.ok(declared.some((c) => c.command === `gptBatch.${id}`), `gptBatch.${id} is not declared`);
    }
    for (const { command, category } of declared) {
      assert.ok(registered.has(command), `${command} is declared but not registered`);
      assert.equal(category, 'GPT Batch');
    }
  });

  it('shows the idle status bar item, which reveals the tasks view', async () => {
    const idle = render({ kind: 'idle' });
    assert.equal(idle.text, '$(layers) GPT Batch');
    assert.equal(typeof idle.command, 'string');
    assert.ok((await vscode.commands.getCommands(true)).includes(idle.command as string), `${String(idle.command)} does not exist`);
  });

  it('renders the focused task with its progress, costs and caps, the other running tasks, and a click that shows it', () => {
    const focused = {
      task: 'char_codes',
      running: true,
      sessionCost: 0.0123,
      taskCost: 1.5,
      queuedEstimate: 0.25,
      queuedRequests: 0,
      localBatches: 0,
      remoteBatches: 1,
      samples: { committed: 200, succeeded: 84, failed: 1, pending: 115 },
      finishedShare: 0.425,
      batches: [{ id: 3, place: 'remote' as const, status: 'in_progress', numRequests: 100, completed: 40, estimatedCost: 0.25 }],
      caps: [{ option: 'max_session_cost', unit: 'cost' as const, limit: 2, used: 1.75, spent: 1.5, reserved: 0.25 }],
    };
    const view = render({ kind: 'task', focused, othersRunning: ['other'], dashboard: false });
    assert.equal(view.text, '$(sync~spin) char_codes 42.5% · 0.0123 session · 1.50 task · 0.2500 queued · 2 tasks running');
    assert.match(view.tooltip, /max_session_cost: 1\.50 spent \+ 0\.2500 reserved of 2\.00, 0\.2500 left/);
    assert.match(view.tooltip, /batch 3 in_progress 40\/100/);
    assert.match(view.tooltip, /Also running: other/);
    assert.deepEqual(view.command, { command: 'gptBatch.revealTask', title: 'Show Task', arguments: ['char_codes'] });
    const ended = render({ kind: 'task', focused: { ...focused, running: false }, othersRunning: [], dashboard: true });
    assert.match(ended.text, /^\$\(check\) char_codes 42\.5% ·/);
    assert.doesNotMatch(ended.text, /running/);
    assert.match(render({ kind: 'task', focused: { ...focused, running: false }, othersRunning: ['other'], dashboard: true }).text, / · 1 task running$/);
    assert.deepEqual(ended.command, { command: 'gptBatch.openDashboard', title: 'Open Dashboard', arguments: ['char_codes'] });
  });
});
