import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TestApi } from '../../../src/extension/extension';

export const extensionId = 'gpt-batch.gpt-batch';

/** Activates the extension under test and returns the API it exposes in ExtensionMode.Test. */
export async function extensionApi(): Promise<TestApi> {
  const extension = vscode.extensions.getExtension<TestApi | undefined>(extensionId);
  assert.ok(extension, `${extensionId} is not installed in this extension host`);
  const api = await extension.activate();
  assert.ok(api, 'activate() returned no test API; the extension host is not in test mode');
  return api;
}

/** Resolves once `condition` holds, checking now and after each `event`. */
export function when(event: vscode.Event<unknown>, condition: () => boolean): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = event(() => {
      if (!condition()) return;
      listener.dispose();
      resolve();
    });
  });
}

/**
 * Resolves with the text of `uri` once it contains `needle`. Log files are flushed on their own schedule and nothing
 * announces it, so this polls.
 */
export async function fileContaining(uri: vscode.Uri, needle: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await vscode.workspace.fs.readFile(uri).then(
      (bytes) => new TextDecoder().decode(bytes),
      () => '',
    );
    if (text.includes(needle)) return text;
    if (Date.now() > deadline) assert.fail(`${uri.fsPath} did not contain "${needle}" within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
