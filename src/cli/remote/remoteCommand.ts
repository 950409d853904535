import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type OpenAI from 'openai';
import { optionDefs } from '../../shared/options';
import { CorruptedStateError, InvalidInputError } from '../../shared/errors';
import { openaiClientFactory } from '../../host/openaiClient';
import { lockTask, readRemoteRefs } from '../../host/readRemoteRefs';
import { resolveTaskOptions } from '../../host/resolvedOptions';
import { consoleLogger } from '../consoleLogger';
import { exitCodes } from '../exitCodes';
import { parseFlags } from '../flags';
import { renderHelp } from '../help';
import { namedTaskInvocation } from '../taskCommands';
import { classifyRemote, isUnfinished, type ClassifiedBatch, type ClassifiedFile } from './classify';
import { remoteReport } from './remoteReport';

const cliDefs = optionDefs.filter((d) => d.cli !== false);

const usage =
  'Usage: gpt-batch remote list|clean [--config gpt-batch.json] [--task NAME] [--yes] [options]\n\n' +
  "  list   lists the account's batches and batch files: those of this task (with status, age and cost), of other\n" +
  '         GPT Batch tasks (by their metadata) and unknown ones, and marks this task\'s orphans: batches and files\n' +
  '         its database does not use (left by a run that was killed, or files no batch needs any more).\n' +
  "  clean  cancels this task's unfinished orphan batches and deletes its orphan files, after a confirmation;\n" +
  '         --yes confirms in advance (for scripts); without a terminal it refuses unless --yes is given. It takes\n' +
  '         the task lock, so it never runs beside a run of the task (--lock_timeout SEC waits for one to end).\n' +
  'Both need the API key of the account the task pushed to.';

const noKeyAdvice = 'gpt-batch remote asks the provider about the account, so it needs its API key: set OPENAI_API_KEY or pass --openai_api_key';

/** `gpt-batch remote list|clean`: the account's remote batches and files, and the clean-up of this task's orphans. */
export async function runRemoteCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') {
    console.log(renderHelp(usage, cliDefs));
    return action === undefined ? exitCodes.invalidInput : exitCodes.ok;
  }
  if (action !== 'list' && action !== 'clean') throw new InvalidInputError(`gpt-batch remote: unknown action '${action}' (expected list or clean)`);
  const yes = rest.includes('--yes');
  const flags = parseFlags(
    rest.filter((arg) => arg !== '--yes'),
    cliDefs,
  );
  if (flags.help) {
    console.log(renderHelp(usage, cliDefs));
    return exitCodes.ok;
  }
  if (action === 'clean' && !yes && !process.stdin.isTTY) {
    throw new InvalidInputError('gpt-batch remote clean asks for a confirmation, but the standard input is no terminal: pass --yes to clean without asking');
  }
  const options = resolveTaskOptions(await namedTaskInvocation(flags.values, flags.positionals), process.env, true);
  if (options.requester.provider === 'anthropic') {
    // Anthropic batches carry no task metadata and leave no uploads, so there is nothing this command could match.
    throw new InvalidInputError(`gpt-batch remote inspects OpenAI's batches and files; task '${options.prefix}' runs on Anthropic, whose batches carry no task tags and leave no uploads (its processed batches are deleted): see them in the Anthropic Console`);
  }
  const client = openaiClientFactory({ options: { ...options.requester, dryrun: false }, env: process.env, noKeyAdvice })();
  const classify = async () => classifyRemote(await listBatches(client), await listFiles(client), readTaskRefs(options.prefix, options.taskDir));
  if (action === 'list') {
    const { batches, files } = await classify();
    for (const line of remoteReport(options.prefix, batches, files, Math.floor(Date.now() / 1000))) console.log(line);
    return exitCodes.ok;
  }
  // A run going on may have created a batch or upload a moment ago that it has yet to record: clean never races it.
  const lock = await lockTask(options.taskDir, options.prefix, options.requester.lock_timeout ?? 0, consoleLogger(process.stdout));
  try {
    const { batches, files } = await classify();
    return await clean(client, batches, files, yes);
  } finally {
    await lock.release();
  }
}

function readTaskRefs(prefix: string, taskDir: string) {
  let refs;
  try {
    refs = readRemoteRefs({ name: prefix, taskDir, prefix });
  } catch (error) {
    throw new CorruptedStateError(path.join(taskDir, 'task.db'), (error as Error).message);
  }
  if (refs === undefined) throw new InvalidInputError(`Task '${prefix}' has not run yet: ${taskDir} holds no task database, so no remote batch or file can be its own`);
  return refs;
}

async function listBatches(client: OpenAI): Promise<OpenAI.Batches.Batch[]> {
  const out: OpenAI.Batches.Batch[] = [];
  for await (const batch of client.batches.list({ limit: 100 })) out.push(batch);
  return out;
}

async function listFiles(client: OpenAI): Promise<OpenAI.Files.FileObject[]> {
  const out: OpenAI.Files.FileObject[] = [];
  for (const purpose of ['batch', 'batch_output']) for await (const file of client.files.list({ purpose })) out.push(file);
  return out;
}

async function clean(client: OpenAI, batches: ClassifiedBatch[], files: ClassifiedFile[], yes: boolean): Promise<number> {
  const mine = (owner: ClassifiedBatch['owner']) => owner.kind === 'this' && owner.orphan;
  const toCancel = batches.filter((b) => mine(b.owner) && isUnfinished(b.batch));
  const toDelete = files.filter((f) => mine(f.owner));
  if (toCancel.length + toDelete.length === 0) {
    console.log('This task has no orphans on the remote: nothing to clean.');
    return exitCodes.ok;
  }
  for (const b of toCancel) console.log(`  cancel batch ${b.batch.id} (${b.batch.status})`);
  for (const f of toDelete) console.log(`  delete file ${f.file.id} (${f.file.filename})`);
  if (!yes && !(await confirm(`Cancel ${toCancel.length} batch(es) and delete ${toDelete.length} file(s) of this task? [y/N] `))) {
    console.log('Nothing was changed.');
    return exitCodes.ok;
  }
  let failures = 0;
  const attempt = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
      console.log(`${what}: done`);
    } catch (error) {
      failures += 1;
      console.error(`${what}: failed: ${(error as Error).message}`);
    }
  };
  for (const b of toCancel) await attempt(`Cancelled batch ${b.batch.id}`, () => client.batches.cancel(b.batch.id));
  for (const f of toDelete) await attempt(`Deleted file ${f.file.id}`, () => client.files.delete(f.file.id));
  if (failures > 0) throw new InvalidInputError(`${failures} clean-up step(s) failed (see above); run gpt-batch remote clean again to retry them`);
  return exitCodes.ok;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
