import { locateJsonPath } from '../shared/jsonLocate';

/** The task file a workspace holds at the root of its folder. */
export const taskFileName = 'gpt-batch.json';

/**
 * Reads the task names of a task file's text, in file order. Throws an Error naming the file and the key when the text
 * is not JSON or has no `tasks` object. The engine validates the rest of the file.
 */
export function readTaskNames(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${taskFileName} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new Error(`${taskFileName} must hold a JSON object with a "tasks" key`);
  const tasks = parsed['tasks'];
  if (!isPlainObject(tasks)) throw new Error(`${taskFileName}: "tasks" must be an object mapping task names to tasks`);
  return Object.keys(tasks);
}

/** Where each task of a task file's text is declared: its key under `tasks`. A text that is not a valid task file has none. */
export function taskKeyLocations(text: string): { task: string; line: number; column: number }[] {
  let names: string[];
  try {
    names = readTaskNames(text);
  } catch {
    // The task file's problems are reported as diagnostics; lenses appear again once it parses.
    return [];
  }
  return names.flatMap((task) => {
    const location = locateJsonPath(text, ['tasks', task]);
    return location === undefined ? [] : [{ task, line: location.line, column: location.column }];
  });
}

/** A task file with one task running the char_codes demo, with the model and prices of the demo's README. */
export function taskFileTemplate(): string {
  const template = {
    tasks: {
      char_codes: {
        task: 'demo:char_codes',
        model: 'gpt-4o-mini-2024-07-18',
        cost_input_direct_mtoken: 0.15,
        cost_input_cached_mtoken: 0.075,
        cost_input_batch_mtoken: 0.075,
        cost_output_direct_mtoken: 0.6,
        cost_output_batch_mtoken: 0.3,
        assumed_completion_ratio: 0.25,
      },
    },
  };
  return `${JSON.stringify(template, null, 2)}\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
