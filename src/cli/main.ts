import { setFlagsFromString } from 'node:v8';
import { version } from '../../package.json';
import { EngineError } from '../shared/errors';
import { runEstimateCommand } from './estimate';
import { exitCodeFor } from './exitCodes';
import { runListCommand } from './list';
import { runRemoteCommand } from './remote/remoteCommand';
import { runSimCommand } from './sim';
import { runDemoCommand, runRunCommand, runStatusCommand } from './taskCommands';
import { runWandbSyncCommand } from './wandbSync';

/** A `gpt-batch` subcommand: parses its own arguments and returns the process exit code. */
interface Subcommand {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const subcommands: Record<string, Subcommand> = {
  run: { summary: 'Run a task of the task file gpt-batch.json', run: runRunCommand },
  demo: { summary: 'Run a built-in demo task (char_codes, utterance_emotion)', run: runDemoCommand },
  status: { summary: 'Show the status of a task without running it', run: runStatusCommand },
  list: { summary: 'List the tasks of gpt-batch.json with their kind and progress', run: runListCommand },
  remote: { summary: "List the account's batches and files (remote list), cancel and delete this task's orphans (remote clean)", run: runRemoteCommand },
  sim: { summary: 'Start the local OpenAI-compatible simulator', run: runSimCommand },
  'wandb-sync': { summary: 'Upload the metrics of an offline W&B run (WANDB_MODE=offline)', run: runWandbSyncCommand },
  estimate: { summary: 'Estimate the tokens and cost of a JSONL file of requests, offline', run: runEstimateCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((name) => name.length), 8);
  const lines = Object.entries(subcommands).map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`);
  return ['Usage: gpt-batch <command> [options]', '', 'Commands:', ...lines, '', 'Run `gpt-batch <command> --help` for the options of a command, `gpt-batch --version` for the version.'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version);
    return 0;
  }
  const command = subcommands[name];
  if (!command) {
    console.error(`gpt-batch: unknown command '${name}'\n\n${usage()}`);
    return exitCodeFor(new EngineError('invalidInput', `unknown command '${name}'`));
  }
  return command.run(rest);
}

// A run allocates fast and keeps little (pages of rows, one batch's requests), and V8 lets the old generation grow
// to about four times what survived the last full collection before collecting again, which for a direct run of a
// thousand requests is some 60 MB of resident garbage. Growing it by 30% instead costs a few more full collections,
// each a few milliseconds on a heap of this size.
setFlagsFromString('--heap-growing-percent=30');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof EngineError ? `gpt-batch: ${error.message}` : error);
    process.exitCode = exitCodeFor(error);
  },
);
