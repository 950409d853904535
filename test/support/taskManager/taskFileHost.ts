import fs from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import path from 'node:path';
import { createTaskManager } from '../../../src/host/createTaskManager';
import { demoRegistry } from '../../../src/host/demoRegistry';
import { anthropicProvider } from '../../../src/engine/providers/anthropicProvider';
import { parseTaskFile } from '../../../src/host/loadTaskFile';
import type { TaskManager } from '../../../src/engine/taskManager/taskManager';
import { resolveEndpoint, resolveOptions } from '../../../src/shared/options';
import type { InitOverrides, TaskHarness } from './harness';

/**
 * Writes `gpt-batch.json` with the given tasks into `dir` and builds the named task's manager the way the CLI does:
 * the task file's options over the defaults, the task directory under `dir`. A task of provider anthropic talks to the
 * simulator's Anthropic routes through `@anthropic-ai/sdk`.
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
  const provider = resolved.requester.provider;
  const anthropic = provider === 'anthropic' ? { createProvider: () => anthropicProvider(new Anthropic({ apiKey: 'sim', baseURL: h.sim.baseUrl.replace(/\/v1$/, ''), maxRetries: 2 }), (m) => h.logger.warn(m)) } : {};
  return createTaskManager(
    spec,
    { ...host, ...anthropic, requester: { ...resolved.requester, endpoint: resolveEndpoint(resolved.requester.endpoint, {}, provider), wandb: false, ...overrides.requester }, taskManager: { ...resolved.taskManager, ...overrides.taskManager } },
    demoRegistry,
    resolved.meta,
    dir,
  );
}
