import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { locateJsonPath } from '../shared/jsonLocate';
import { optionDefs, resolveOptions, secretInFileMessage } from '../shared/options';
import { closestName } from '../shared/options/suggest';
import { type DemoName, taskKindSchemas, taskNamePattern, type TaskSpec } from '../shared/taskFile';
import { EngineError, InvalidInputError } from '../shared/errors';

/** One problem in a task file, located at its key for the editor's Problems panel. */
export interface TaskFileProblem {
  message: string;
  path: (string | number)[];
  line?: number;
  column?: number;
}

/** The task file is invalid; `problems` lists every problem found, each naming the task and key. */
export class TaskFileError extends InvalidInputError {
  constructor(
    readonly file: string,
    readonly problems: TaskFileProblem[],
  ) {
    super(problems.map((p) => `${file}${p.line !== undefined ? `:${p.line}:${p.column}` : ''}: ${p.message}`).join('\n'));
  }
}

const optionNames = new Set(optionDefs.map((d) => d.name));
/** Credentials by name: a task file that holds one is refused at the key, wherever in the file it is. */
const secrets = new Map(optionDefs.flatMap((d) => (d.secret === undefined ? [] : [[d.name, d.secret] as const])));
const kindKeys = {
  demo: Object.keys(taskKindSchemas.demo.shape),
  template: Object.keys(taskKindSchemas.template.shape),
  module: Object.keys(taskKindSchemas.module.shape),
} as const;
/** Option keys that make no sense inside a task entry (they pick the file or the task). */
const programOnlyKeys = new Set(['config', 'task']);

function zodProblems(error: z.ZodError, base: (string | number)[], task: string): TaskFileProblem[] {
  return error.issues.map((issue) => ({
    message: `task '${task}', key '${[...base.slice(2), ...issue.path].join('.')}': ${issue.message}`,
    path: [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
  }));
}

/** Parses and validates a task file's text. Throws `TaskFileError` listing every problem. */
export function parseTaskFile(text: string, file: string): TaskSpec[] {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message);
    const offset = position ? Number(position[1]) : 0;
    const before = text.slice(0, offset).split('\n');
    throw new TaskFileError(file, [{ message: `not valid JSON: ${(error as Error).message}`, path: [], line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }]);
  }
  const problems: TaskFileProblem[] = [];
  const tasks: TaskSpec[] = [];
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    problems.push({ message: 'the task file must be a JSON object with a "tasks" object', path: [] });
  } else {
    for (const key of Object.keys(root)) {
      const secret = secrets.get(key);
      if (secret !== undefined) problems.push({ message: secretInFileMessage(key, secret), path: [key] });
      else if (key !== 'tasks' && key !== '$schema') problems.push({ message: `unknown top-level key '${key}' (expected "tasks")`, path: [key] });
    }
    const entries = (root as { tasks?: unknown }).tasks;
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
      problems.push({ message: '"tasks" must be an object mapping task names to tasks', path: ['tasks'] });
    } else {
      for (const [name, entry] of Object.entries(entries)) tasks.push(...parseTask(name, entry, problems));
    }
  }
  if (problems.length > 0) {
    for (const p of problems) {
      const at = locateJsonPath(text, p.path);
      if (at !== undefined) {
        p.line = at.line;
        p.column = at.column;
      }
    }
    throw new TaskFileError(file, problems);
  }
  return tasks;
}

function parseTask(name: string, entry: unknown, problems: TaskFileProblem[]): TaskSpec[] {
  const base = ['tasks', name];
  if (!taskNamePattern.test(name)) problems.push({ message: `task name '${name}' must be 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit`, path: base });
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    problems.push({ message: `task '${name}' must be an object`, path: base });
    return [];
  }
  const record = entry as Record<string, unknown>;
  const kind = 'task' in record ? 'demo' : 'input' in record ? 'template' : 'module' in record ? 'module' : undefined;
  if (kind === undefined) {
    problems.push({ message: `task '${name}' must have "task" (a built-in demo), "input" (a template task) or "module" (a module task)`, path: base });
    return [];
  }
  const kindPart: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  const before = problems.length;
  for (const [key, value] of Object.entries(record)) {
    const secret = secrets.get(key);
    if (secret !== undefined) problems.push({ message: `task '${name}': ${secretInFileMessage(key, secret)}`, path: [...base, key] });
    else if ((kindKeys[kind] as readonly string[]).includes(key)) kindPart[key] = value;
    else if (optionNames.has(key) && !programOnlyKeys.has(key)) options[key] = value;
    else {
      const hint = closestName(key, [...kindKeys[kind], ...[...optionNames].filter((n) => !programOnlyKeys.has(n))]);
      problems.push({ message: `task '${name}': unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`, path: [...base, key] });
    }
  }
  const shape: Record<string, z.ZodType> = taskKindSchemas[kind].shape;
  const missing = Object.keys(shape).filter((key) => !(key in kindPart) && !shape[key]?.safeParse(undefined).success);
  for (const key of missing) {
    problems.push({ message: `task '${name}' (a ${kind} task) is missing the required key '${key}': ${shape[key]?.description ?? 'see the task file schema'}`, path: base });
  }
  const parsed = taskKindSchemas[kind].safeParse(kindPart);
  if (!parsed.success) problems.push(...zodProblems(parsed.error, base, name).filter((p) => !missing.includes(String(p.path[base.length]))));
  for (const def of optionDefs) {
    if (!(def.name in options)) continue;
    const result = def.schema.safeParse(options[def.name]);
    if (!result.success) problems.push(...zodProblems(result.error, [...base, def.name], name).map((p) => ({ ...p, message: `task '${name}', key '${def.name}': expected ${result.error.issues[0]?.message ?? 'another value'}, got ${JSON.stringify(options[def.name])}` })));
  }
  if (problems.length === before) {
    try {
      resolveOptions([{ source: `task '${name}'`, values: options }]);
    } catch (error) {
      if (!EngineError.is(error, 'invalidInput')) throw error;
      const key = Object.keys(options).find((k) => error.message.includes(k));
      problems.push({ message: error.message, path: key ? [...base, key] : base });
    }
  }
  if (problems.length > before) return [];
  if (kind === 'demo') return [{ kind, name, demo: String(kindPart.task).slice('demo:'.length) as DemoName, options }];
  if (kind === 'template') return [{ kind, name, template: taskKindSchemas.template.parse(kindPart), options }];
  return [{ kind, name, module: taskKindSchemas.module.parse(kindPart), options }];
}

/** Reads and validates a task file; a missing file is an error naming it. */
export async function loadTaskFile(file: string): Promise<TaskSpec[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`Cannot read the task file ${file}: ${(error as Error).message}`);
  }
  return parseTaskFile(text, file);
}
