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

  it('renders a running task with its session and task cost and the queued estimate, clicking to reveal it', () => {
    const view = render({ kind: 'running', task: 'char_codes', sessionCost: 0.0123, taskCost: 1.5, queuedEstimate: 0.25 });
    assert.equal(view.text, '$(sync~spin) char_codes: 0.0123 / 1.50 · queued 0.2500');
    assert.deepEqual(view.command, { command: 'gptBatch.revealTask', title: 'Show Task', arguments: ['char_codes'] });
  });
});
