import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TaskState } from '../../../src/engine/taskManager/taskState';
import { loadTaskStateAt, taskDbContent } from '../taskManager/taskStateAt';

/** The local batch input files (`P_batch{ID}_{stamp}.jsonl`, not their `.info.jsonl`) of a task directory. */
export function localBatchFiles(taskDir: string, prefix = 'char_codes'): string[] {
  const pattern = new RegExp(`^${prefix}_batch\\d+_[\\d_]+\\.jsonl$`);
  return fs.existsSync(taskDir) ? fs.readdirSync(taskDir).filter((name) => pattern.test(name)).sort() : [];
}

/** The non-empty lines of a JSONL file, parsed. */
export function jsonlLines(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every file of a directory (recursively) with a hash of its content (of a task database: of each table), to show that a run changed nothing. */
export function snapshotDir(dir: string): Record<string, string> {
  const snapshot: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const relative = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (!entry.name.startsWith('task.db')) snapshot[relative] = createHash('sha256').update(fs.readFileSync(path.join(dir, relative))).digest('hex');
      else if (entry.name === 'task.db') {
        for (const [table, content] of Object.entries(taskDbContent(path.join(dir, sub)))) snapshot[path.join(sub, table)] = createHash('sha256').update(content).digest('hex');
      }
    }
  };
  walk('');
  return snapshot;
}

/** The task state of a task directory as the engine loads it; fails if there is none. */
export async function loadTaskState(taskDir: string, prefix = 'char_codes'): Promise<TaskState> {
  const state = loadTaskStateAt(taskDir);
  if (state === undefined) throw new Error(`no task state in ${taskDir}`);
  return state;
}

/** How often pattern (global) occurs in text. */
export function countMatches(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}
