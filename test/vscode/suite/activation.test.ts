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
    assert.deepEqual(
      declared.map((c) => c.command).sort(),
      ['gptBatch.clearApiKey', 'gptBatch.createTaskFile', 'gptBatch.pingEngine', 'gptBatch.setApiKey', 'gptBatch.showLog'],
    );
    for (const { command, category } of declared) {
      assert.ok(registered.has(command), `${command} is declared but not registered`);
      assert.equal(category, 'GPT Batch');
    }
  });

  it('shows the idle status bar item, which reveals the tasks view', async () => {
    const idle = render({ kind: 'idle' });
    assert.equal(idle.text, '$(layers) GPT Batch');
    assert.ok((await vscode.commands.getCommands(true)).includes(idle.command), `${idle.command} does not exist`);
  });
});
