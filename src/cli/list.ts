import path from 'node:path';
import { InvalidInputError } from '../shared/errors';
import { loadTaskFile } from '../host/loadTaskFile';
import { resolveTaskOptions } from '../host/resolvedOptions';
import { taskFileInvocation } from '../host/runTask';
import { exitCodes } from './exitCodes';
import { readTaskProgress } from './taskProgress';

const usage = 'Usage: gpt-batch list [--config gpt-batch.json]\n\nLists the tasks of the task file with their kind and how far each has got.';

/** `gpt-batch list [--config FILE]`: one line per task: name, kind, and not started / has work / complete. */
export async function runListCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return exitCodes.ok;
  }
  const file = path.resolve(configArgument(argv) ?? 'gpt-batch.json');
  const tasks = await loadTaskFile(file);
  const rows: [string, string, string][] = [];
  for (const spec of tasks) {
    const { prefix, taskDir, requester } = resolveTaskOptions(await taskFileInvocation(file, spec.name, {}, 'command line'), process.env, true);
    const progress = await readTaskProgress({ name: spec.name, taskDir, prefix }, requester);
    rows.push([spec.name, spec.kind, typeof progress === 'string' ? progress : `unreadable: ${progress.unreadable}`]);
  }
  if (rows.length === 0) {
    console.log(`${file} has no tasks`);
    return exitCodes.ok;
  }
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const kindWidth = Math.max(...rows.map(([, kind]) => kind.length));
  for (const [name, kind, status] of rows) console.log(`${name.padEnd(nameWidth)}  ${kind.padEnd(kindWidth)}  ${status}`);
  return exitCodes.ok;
}

function configArgument(argv: string[]): string | undefined {
  let config: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--config') {
      config = argv[i + 1];
      if (config === undefined) throw new InvalidInputError('--config needs a value');
      i += 1;
    } else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else throw new InvalidInputError(`gpt-batch list: unexpected argument '${arg}' (only --config FILE is accepted)`);
  }
  return config;
}
