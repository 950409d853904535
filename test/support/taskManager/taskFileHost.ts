import fs from 'node:fs';
import path from 'node:path';
import { createTaskManager } from '../../../src/host/createTaskManager';
import { demoRegistry } from '../../../src/host/demoRegistry';
import { parseTaskFile } from '../../../src/host/loadTaskFile';
import type { TaskManager } from '../../../src/engine/taskManager/taskManager';
import { resolveEndpoint, resolveOptions } from '../../../src/shared/options';
import type { InitOverrides, TaskHarness } from './harness';

/**
 * Writes `gpt-batch.json` with the given tasks into `dir` and builds the named task's manager the way the CLI does:
 * the task file's options over the defaults, the task directory under `dir`.
 */
export async function taskFromFile(h: TaskHarness, dir: string, tasks: Record<string, unknown>, name: string, overrides: InitOverrides = {}): Promise<TaskManager> {
  const file = path.join(dir, 'gpt-batch.json');
  fs.writeFileSync(file, JSON.stringify({ tasks }, null, 2));
  const spec = parseTaskFile(fs.readFileSync(file, 'utf8'), file).find((t) => t.name === name);
  if (spec === undefined) throw new Error(`no task ${name} in ${file}`);
  const resolved = resolveOptions([{ source: `${file}, task '${name}'`, values: spec.options }]);
  // The task directory itself is created by the task manager, one level deep.
  fs.mkdirSync(path.join(dir, '.gpt-batch'), { recursive: true });
  const base = h.init(path.join(dir, '.gpt-batch', name), { ...overrides, prefix: name });
  const { initMeta: _meta, ...host } = base;
  return createTaskManager(
    spec,
    { ...host, requester: { ...resolved.requester, endpoint: resolveEndpoint(resolved.requester.endpoint, {}), wandb: false, ...overrides.requester }, taskManager: { ...resolved.taskManager, ...overrides.taskManager } },
    demoRegistry,
    resolved.meta,
    dir,
  );
}
