import { parseArgs } from 'node:util';
import { InvalidInputError } from '../shared/errors';
import { readSpool, syncOfflineRun, wandbEnvironment, type Logger } from '../engine';

const usage = `Usage: gpt-batch wandb-sync <spool-file> [options]

Uploads the metrics of an offline run (WANDB_MODE=offline) to W&B. Uses WANDB_API_KEY and WANDB_BASE_URL.

Options:
  --wandb_project PROJ   Project to upload to (default: the one the run was recorded with)
  --wandb_entity ENTITY  Entity to upload to (default: recorded one, else the key's default entity)
  --wandb_run_id ID      Run ID to create or append to (default: the recorded one)
  --wandb_name NAME      Run name (default: the recorded one)
  --wandb_group GROUP    Run group (default: the recorded one)
  -h, --help             Show this help`;

interface SyncFlags {
  spoolFile: string | undefined;
  help: boolean;
  project?: string;
  entity?: string;
  runId?: string;
  name?: string;
  group?: string;
}

function parseSyncFlags(argv: string[]): SyncFlags {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        wandb_project: { type: 'string' },
        wandb_entity: { type: 'string' },
        wandb_run_id: { type: 'string' },
        wandb_name: { type: 'string' },
        wandb_group: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (positionals.length > 1) throw new Error(`expected one spool file, got ${positionals.length}: ${positionals.join(' ')}`);
    return {
      spoolFile: positionals[0],
      help: values.help ?? false,
      project: values.wandb_project,
      entity: values.wandb_entity,
      runId: values.wandb_run_id,
      name: values.wandb_name,
      group: values.wandb_group,
    };
  } catch (error) {
    throw new InvalidInputError(`wandb-sync: ${(error as Error).message}\n\n${usage}`, { cause: error });
  }
}

const consoleLogger: Logger = {
  error: (message) => console.error(message),
  warn: (message) => console.error(message),
  info: (message) => console.log(message),
  debug: () => {},
};

/** `gpt-batch wandb-sync <spool-file> [--wandb_project …]`: uploads an offline spool file; returns the exit code. */
export async function runWandbSyncCommand(argv: string[]): Promise<number> {
  const flags = parseSyncFlags(argv);
  if (flags.help) {
    console.log(usage);
    return 0;
  }
  if (!flags.spoolFile) throw new InvalidInputError(`wandb-sync: missing <spool-file>\n\n${usage}`);
  const env = wandbEnvironment();
  const { header } = readSpool(flags.spoolFile);
  const result = await syncOfflineRun(flags.spoolFile, {
    apiKey: env.apiKey,
    baseUrl: env.baseUrl,
    project: flags.project ?? header.project,
    entity: flags.entity,
    runId: flags.runId,
    name: flags.name,
    group: flags.group,
    logger: consoleLogger,
  });
  console.log(`Uploaded ${result.rows} history row(s) from ${flags.spoolFile}${result.url ? ` to ${result.url}` : ''}`);
  return 0;
}
