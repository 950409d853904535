import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PingResult } from '../../../src/protocol/messages';
import { extensionApi, fileContaining } from './extensionApi';

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
