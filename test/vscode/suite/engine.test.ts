import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PingResult } from '../../../src/protocol/messages';
import { extensionApi, extensionId, fileContaining } from './extensionApi';

describe('engine worker', () => {
  it('starts a real worker thread on first use and forwards its log lines to the output channel', async () => {
    const api = await extensionApi();
    const pong = await vscode.commands.executeCommand<PingResult>('gptBatch.pingEngine');
    assert.ok(pong, 'gptBatch.pingEngine returned nothing');
    assert.notEqual(pong.threadId, 0);
    assert.equal(pong.threadId, api.engine.threadId);
    assert.equal(pong.pid, process.pid);
    assert.equal(pong.node, process.version);
    await fileContaining(api.logFile, `[engine] Engine worker answering ping: thread ${pong.threadId}`);
  });

  it('opens SQLite with the libsql addon in the extension\'s own dist/node_modules, not the repository\'s', async () => {
    const api = await extensionApi();
    const extensionPath = vscode.extensions.getExtension(extensionId)?.extensionPath;
    assert.ok(extensionPath);
    const pong = await vscode.commands.executeCommand<PingResult>('gptBatch.pingEngine');
    assert.ok(pong, 'gptBatch.pingEngine returned nothing');
    const { sqlite } = pong;
    assert.ok('version' in sqlite, `the engine cannot open SQLite: ${'error' in sqlite ? sqlite.error : ''}`);
    assert.match(sqlite.version, /^3\.\d+\.\d+$/);
    const addons = path.join(extensionPath, 'dist', 'node_modules', '@libsql') + path.sep;
    assert.ok(sqlite.addon.startsWith(addons) && sqlite.addon.endsWith('.node'), `libsql's addon came from ${sqlite.addon}, not from ${addons}`);
    await fileContaining(api.logFile, `SQLite ${sqlite.version} from ${sqlite.addon}`);
  });

  it('starts a new worker on the next request after the worker died', async () => {
    const api = await extensionApi();
    const first = await vscode.commands.executeCommand<PingResult>('gptBatch.pingEngine');
    await api.engine.terminate();
    assert.equal(api.engine.threadId, undefined);
    const second = await vscode.commands.executeCommand<PingResult>('gptBatch.pingEngine');
    assert.ok(first && second);
    assert.notEqual(second.threadId, first.threadId);
  });

  it('shuts the worker down gracefully', async () => {
    const api = await extensionApi();
    const pong = await vscode.commands.executeCommand<PingResult>('gptBatch.pingEngine');
    await api.engine.shutdown();
    assert.equal(api.engine.threadId, undefined);
    await fileContaining(api.logFile, `Engine worker (thread ${pong?.threadId}) exited\n`);
  });
});
