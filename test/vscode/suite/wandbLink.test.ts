import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extensionApi, when } from './extensionApi';
import { child, taskRow } from './treeRows';

// Any task that ran; its W&B link is what an online W&B run records beside the task's files.
const task = 'estimated';

describe("the W&B run link in the task's tree", () => {
  let linkFile: vscode.Uri | undefined;
  after(async () => {
    if (linkFile !== undefined) await vscode.workspace.fs.delete(linkFile);
  });

  it("lists the task's last W&B run as a row that opens it", async () => {
    const api = await extensionApi();
    // The suites before may have rewritten the task file; wait until the view has read it back.
    await when(api.tasksView.onDidChangeTreeData, () => api.tasksView.snapshot.state === 'loaded' && api.tasksView.snapshot.names.includes(task));
    const row = await taskRow(task);
    assert.ok(row.kind === 'task' && row.snapshot, `task '${task}' has no snapshot`);
    const url = 'https://wandb.ai/entity/gpt_batch_api/runs/abc123';
    linkFile = vscode.Uri.file(path.join(row.snapshot.taskDir, `${row.snapshot.prefix}_wandb_run.json`));
    await vscode.workspace.fs.writeFile(linkFile, new TextEncoder().encode(`${JSON.stringify({ url, opened_at: 1_700_000_000 })}\n`));
    const link = await child(await taskRow(task), (n) => n.kind === 'wandbRun');
    const item = api.tasksView.getTreeItem(link);
    assert.equal(item.description, url);
    assert.equal(item.command?.command, 'vscode.open');
    assert.equal(String(item.command?.arguments?.[0]), vscode.Uri.parse(url).toString());
  });
});
