import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionApi, fileContaining } from './extensionApi';

describe('API key', () => {
  const key = `sk-test-${Date.now()}-not-a-real-key`;

  afterEach(async () => {
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
  });

  it('stores the key given as argument in the secret storage and sets the context key', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('gptBatch.setApiKey', key);
    // Compared without assert.equal, so that a failure does not print the key.
    assert.ok((await api.readApiKey()) === key, 'the secret storage does not hold the key that was set');
    assert.equal(api.hasApiKeyContext(), true);
  });

  it('clears the key and the context key', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('gptBatch.setApiKey', key);
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
    assert.equal(await api.readApiKey(), undefined);
    assert.equal(api.hasApiKeyContext(), false);
  });

  it('never writes the key to the log or to a file of the workspace', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('gptBatch.setApiKey', key);
    const log = await fileContaining(api.logFile, 'OpenAI API key stored');
    assert.ok(!log.includes(key), 'the log contains the API key');
    for (const file of await vscode.workspace.findFiles('**/*')) {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      assert.ok(!text.includes(key), `${file.fsPath} contains the API key`);
    }
  });

  it('rejects an argument that is not a string without storing anything', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('gptBatch.setApiKey', 42);
    assert.equal(await api.readApiKey(), undefined);
  });
});
