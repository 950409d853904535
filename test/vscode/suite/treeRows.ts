import assert from 'node:assert/strict';
import type { TaskNode } from '../../../src/extension/taskNodes';
import type { ProgressParams } from '../../../src/protocol/messages';
import { extensionApi } from './extensionApi';

/** The rows under `node` (the roots without one), as the view would list them. */
export async function children(node?: TaskNode): Promise<TaskNode[]> {
  return (await extensionApi()).tasksView.getChildren(node);
}

/** The row under `parent` that `id` picks; fails naming the parent when there is none. */
export async function child(parent: TaskNode | undefined, id: (node: TaskNode) => boolean): Promise<TaskNode> {
  const api = await extensionApi();
  const found = (await children(parent)).find(id);
  assert.ok(found, `no such row under ${parent ? api.tasksView.getTreeItem(parent).id : 'the root'}`);
  return found;
}

/** A task's row, its files read afresh. */
export async function taskRow(task: string): Promise<TaskNode> {
  const api = await extensionApi();
  await api.tasksView.refreshTask(task);
  return child(undefined, (n) => n.kind === 'task' && n.name === task);
}

/** Every row of a paged list, following its "More…" rows. */
export async function allRows(parent: TaskNode): Promise<TaskNode[]> {
  const api = await extensionApi();
  for (;;) {
    const rows = await children(parent);
    const more = rows.find((row) => row.kind === 'more');
    if (more === undefined) return rows;
    await api.tasksView.loadMore(more);
  }
}

/** Resolves when the engine reports a remote batch of `task`; call before starting the run. */
export async function remoteBatchSeen(task: string): Promise<void> {
  const api = await extensionApi();
  return new Promise<void>((resolve) => {
    const listening = api.engine.listen('task/progress', (p: ProgressParams) => {
      if (p.task === task && p.remoteBatches > 0) {
        listening.dispose();
        resolve();
      }
    });
  });
}
