import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunResult } from '../../../src/protocol/messages';
import { formatCost, type TaskNode } from '../../../src/extension/taskNodes';
import { extensionApi } from './extensionApi';
import { child, children, taskRow } from './treeRows';

/** The fixture's template tasks of the other endpoints and provider, over the same four records (t1…t4). */
const tasks = ['answers', 'vectors', 'claude'] as const;
type Task = (typeof tasks)[number];

type Json = Record<string, unknown>;

/** What the three tabs of an attempt hold, with their titles. */
interface OpenedAttempt {
  titles: (string | undefined)[];
  request: { custom_id: string; body: Json };
  response: Json;
  parsed: Json;
}

/** Expands the task's succeeded samples down to sample t1's attempt and opens its request, response and parsed result. */
async function openFirstAttempt(task: Task): Promise<OpenedAttempt> {
  const succeeded = await child(await taskRow(task), (n) => n.kind === 'sampleGroup' && n.group === 'succeeded');
  const sample = await child(succeeded, (n) => n.kind === 'sample' && n.item.key === 't1');
  const attempt = await child(sample, (n) => n.kind === 'attempt');
  const editors = await vscode.commands.executeCommand<vscode.TextEditor[]>('gptBatch.openAttempt', attempt);
  assert.equal(editors?.length, 3);
  assert.ok(editors.every((editor) => editor.document.languageId === 'json'));
  const titles = editors.map((editor) => editor.document.uri.path.split('/').at(-1));
  const tabLabels = vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => tab.label));
  for (const title of titles) assert.ok(tabLabels.includes(title ?? ''), `no tab is labelled "${title}" (tabs: ${tabLabels.join(' | ')})`);
  const [request, response, parsed] = editors.map((editor) => JSON.parse(editor.document.getText()) as Json);
  return { titles, request: request as unknown as OpenedAttempt['request'], response: response as Json, parsed: parsed as Json };
}

async function summaryLabel(task: Task): Promise<string> {
  const api = await extensionApi();
  const summary = await child(await taskRow(task), (n) => n.kind === 'summary');
  return String(api.tasksView.getTreeItem(summary).label);
}

describe('Responses, embeddings and Anthropic tasks run from the editor and inspected in the tree', function () {
  this.timeout(240_000);
  before(async () => {
    const api = await extensionApi();
    await api.tasksView.whenLoaded();
    await vscode.commands.executeCommand('gptBatch.setApiKey', 'sk-simulated-key');
    await vscode.commands.executeCommand('gptBatch.setAnthropicApiKey', 'sk-ant-simulated-key');
    const results = await Promise.all(tasks.map((task) => vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task)));
    results.forEach((result, i) => assert.equal(result?.outcome, 'done', `the run of ${tasks[i]} did not complete: ${JSON.stringify(result?.outcome)}`));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
    await vscode.commands.executeCommand('gptBatch.clearAnthropicApiKey');
  });

  it('each task lists its four samples as succeeded, its processed batch and its cost in the summary', async () => {
    const api = await extensionApi();
    for (const task of tasks) {
      const row = await taskRow(task);
      assert.ok(row.kind === 'task' && row.snapshot !== undefined);
      const { snapshot } = row;
      assert.deepEqual(snapshot.samples, { committed: 4, succeeded: 4, failed: 0, pending: 0 }, task);
      assert.ok(snapshot.taskCost > 0, `${task} cost nothing`);
      assert.match(await summaryLabel(task), new RegExp(`^4 succeeded, 0 failed, 0 pending · cost ${formatCost(snapshot.taskCost).replace('.', '\\.')} ·`));
      const processed = await child(row, (n) => n.kind === 'batchGroup' && n.group === 'processed');
      const [batch] = await children(processed);
      assert.ok(batch?.kind === 'batch', `${task} has no processed batch`);
      assert.match(String(api.tasksView.getTreeItem(batch).description), /^completed · 4 requests · 4 ok · cost \d/);
      const requests = await children(batch);
      assert.deepEqual(
        requests.map((r: TaskNode) => String(api.tasksView.getTreeItem(r).label)),
        ['t1', 't2', 't3', 't4'].map((key, i) => `id-${i + 1} · ${key}`),
      );
    }
  });

  it("an embeddings task's summary shows its cost of a fraction of a cent, not 0.0000", async () => {
    assert.doesNotMatch(await summaryLabel('vectors'), /cost 0\.0000 /);
  });

  it('a Responses attempt opens its input items, the response and its structured output', async () => {
    const { titles, request, response, parsed } = await openFirstAttempt('answers');
    assert.deepEqual(titles, ['answers · t1 · request', 'answers · t1 · response', 'answers · t1 · parsed']);
    assert.equal(request.custom_id, 'id-1');
    assert.deepEqual(request.body.input, [
      { role: 'developer', content: 'Summarise the topic in a few words.' },
      { role: 'user', content: 'Topic: tides' },
    ]);
    assert.equal((request.body.text as { format: { type: string } }).format.type, 'json_schema');
    assert.equal(response.object, 'response');
    assert.equal(response.status, 'completed');
    assert.equal(typeof (parsed.parsed as { summary?: unknown }).summary, 'string');
    assert.deepEqual(parsed.parsed, JSON.parse(response.output_text as string));
    assert.equal(parsed.outcome, 'succeeded');
  });

  it("an embeddings attempt opens the text to embed, the vector list and a summary of the vector's dimensions", async () => {
    const { titles, request, response, parsed } = await openFirstAttempt('vectors');
    assert.deepEqual(titles, ['vectors · t1 · request', 'vectors · t1 · response', 'vectors · t1 · parsed']);
    assert.equal(request.body.input, 'A text about tides');
    assert.equal(response.object, 'list');
    assert.match(String(parsed.summary), /^1 vector of 8 dimensions · text-embedding-3-small · \d+ input tokens$/);
    assert.ok(Array.isArray(parsed.parsed) && parsed.parsed.length === 8 && parsed.parsed.every((x) => typeof x === 'number'));
    assert.deepEqual(parsed.parsed, (response.data as { embedding: number[] }[])[0]?.embedding);
  });

  it("an Anthropic request's row names the message's stop_reason", async () => {
    const api = await extensionApi();
    const processed = await child(await taskRow('claude'), (n) => n.kind === 'batchGroup' && n.group === 'processed');
    const [batch] = await children(processed);
    const [request] = await children(batch);
    assert.ok(request?.kind === 'attempt');
    assert.equal(api.tasksView.getTreeItem(request).description, 'succeeded · stop_reason tool_use · “Topic: tides”');
  });

  it("an Anthropic attempt opens the Messages body, Claude's message and the structured tool's input", async () => {
    const { titles, request, response, parsed } = await openFirstAttempt('claude');
    assert.deepEqual(titles, ['claude · t1 · request', 'claude · t1 · response', 'claude · t1 · parsed']);
    assert.equal(request.body.model, 'claude-haiku-4-5');
    assert.equal(request.body.system, 'Summarise the topic in a few words.');
    assert.deepEqual(request.body.messages, [{ role: 'user', content: 'Topic: tides' }]);
    assert.equal(response.type, 'message');
    assert.equal(response.stop_reason, 'tool_use');
    const toolUse = (response.content as { type: string; input?: unknown }[]).find((block) => block.type === 'tool_use');
    assert.ok(toolUse, 'the message has no tool_use block');
    assert.deepEqual(parsed.parsed, toolUse.input);
    assert.equal(typeof (parsed.parsed as { summary?: unknown }).summary, 'string');
  });
});
