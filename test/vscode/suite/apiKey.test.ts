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

describe('Anthropic API key', () => {
  const key = `sk-ant-test-${Date.now()}-not-a-real-key`;

  afterEach(async () => {
    await vscode.commands.executeCommand('gptBatch.clearAnthropicApiKey');
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
  });

  it('is stored apart from the OpenAI key, with its own context key, and cleared on its own', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('gptBatch.setApiKey', 'sk-openai-test-not-a-real-key');
    await vscode.commands.executeCommand('gptBatch.setAnthropicApiKey', key);
    assert.ok((await api.readAnthropicApiKey()) === key, 'the secret storage does not hold the Anthropic key that was set');
    assert.ok((await api.readApiKey()) !== key, 'the Anthropic key replaced the OpenAI key');
    assert.equal(api.hasAnthropicApiKeyContext(), true);
    await vscode.commands.executeCommand('gptBatch.clearAnthropicApiKey');
    assert.equal(await api.readAnthropicApiKey(), undefined);
    assert.equal(api.hasAnthropicApiKeyContext(), false);
    assert.equal(api.hasApiKeyContext(), true, 'clearing the Anthropic key cleared the OpenAI key');
  });

  it('never writes the key to the log, the settings or a file of the workspace', async () => {
    const api = await extensionApi();
    await vscode.commands.executeCommand('gptBatch.setAnthropicApiKey', key);
    const log = await fileContaining(api.logFile, 'Anthropic API key stored');
    assert.ok(!log.includes(key), 'the log contains the Anthropic API key');
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('gptBatch')).includes(key), 'the settings contain the Anthropic API key');
    for (const file of await vscode.workspace.findFiles('**/*')) {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      assert.ok(!text.includes(key), `${file.fsPath} contains the Anthropic API key`);
    }
  });

  it('a run of an Anthropic task without one fails with an error naming Set Anthropic API Key and ANTHROPIC_API_KEY', async () => {
    const api = await extensionApi();
    await api.tasksView.whenLoaded();
    // The OpenAI key does not stand in for Anthropic's.
    await vscode.commands.executeCommand('gptBatch.setApiKey', 'sk-openai-test-not-a-real-key');
    assert.equal(await vscode.commands.executeCommand('gptBatch.runTask', 'claude'), undefined);
    const log = await fileContaining(api.logFile, 'No Anthropic API key');
    assert.match(log, /gptBatch\.runTask: No Anthropic API key: set one with "GPT Batch: Set Anthropic API Key" or ANTHROPIC_API_KEY/);
  });
});
