import { parseArgs } from 'node:util';
import { InvalidInputError } from '../shared/errors';
import { filterLogger } from '../engine';
import { defaultFaultConfig, type FaultConfig } from '../sim/faults';
import { startSimulator, type SimulatorOptions } from '../sim/simulator';

type FlagKind = 'port' | 'count' | 'seconds' | 'rate' | 'status' | 'text' | 'modelCounts';

interface Flag {
  kind: FlagKind;
  help: string;
  fallback: string;
  /** Where the value goes: a simulator option or a fault. */
  option?: 'port' | 'batchSeconds' | 'stateDir' | 'latencyMs' | 'apiKey' | 'seed' | 'enqueuedTokenLimits';
  fault?: keyof FaultConfig;
}

const faultFlag = (fault: keyof FaultConfig, kind: FlagKind, help: string): Flag => ({ kind, help, fallback: String(defaultFaultConfig[fault]), fault });

const flags: Record<string, Flag> = {
  port: { kind: 'port', option: 'port', fallback: '0', help: 'port on 127.0.0.1 (0 = any free port)' },
  batch_seconds: { kind: 'seconds', option: 'batchSeconds', fallback: '2', help: 'seconds from creation to completion of a batch' },
  state_dir: { kind: 'text', option: 'stateDir', fallback: '(in memory)', help: 'keep files and batches in this directory across restarts' },
  latency_ms: { kind: 'count', option: 'latencyMs', fallback: '0', help: 'latency added to every response' },
  api_key: { kind: 'text', option: 'apiKey', fallback: '(any)', help: 'the only API key accepted' },
  seed: { kind: 'count', option: 'seed', fallback: '0', help: 'seed of the fault decisions' },
  rate_limit_rate: faultFlag('rateLimitRate', 'rate', 'fraction of API calls answered 429'),
  rate_limit_retry_after: faultFlag('rateLimitRetryAfter', 'seconds', 'Retry-After seconds of those 429s'),
  server_error_rate: faultFlag('serverErrorRate', 'rate', 'fraction of API calls answered 500 or 503'),
  line_error_rate: faultFlag('lineErrorRate', 'rate', 'fraction of batch lines that fail'),
  line_error_status: faultFlag('lineErrorStatus', 'status', 'HTTP status of failed batch lines: 429, 500 or 400'),
  fail_batch_rate: faultFlag('failBatchRate', 'rate', 'fraction of batches that fail validation'),
  expire_batch_rate: faultFlag('expireBatchRate', 'rate', 'fraction of batches that expire'),
  expire_completed_fraction: faultFlag('expireCompletedFraction', 'rate', 'share of an expiring batch done before it expires'),
  chat_latency_ms: faultFlag('chatLatencyMs', 'count', 'extra latency of direct model calls (chat completions, responses, embeddings)'),
  requests_per_minute: faultFlag('requestsPerMinute', 'count', 'direct model requests per minute (0 = unlimited)'),
  tokens_per_minute: faultFlag('tokensPerMinute', 'count', 'direct model tokens per minute, each call counted for its prompt and most output tokens (0 = unlimited)'),
  rate_limit_period_seconds: faultFlag('rateLimitPeriodSeconds', 'seconds', 'the period the two limits above are per, to rehearse pacing in less time'),
  enqueued_token_limit: faultFlag('enqueuedTokenLimit', 'count', 'prompt tokens that may be queued in batches of each model (0 = unlimited)'),
  model_enqueued_token_limit: {
    kind: 'modelCounts',
    option: 'enqueuedTokenLimits',
    fallback: '(none)',
    help: 'per-model limits in place of --enqueued_token_limit, e.g. gpt-4o-mini=2000000,gpt-4o=90000',
  },
  flex_unavailable_rate: faultFlag('flexUnavailableRate', 'rate', 'fraction of flex chat completions refused with 429 resource_unavailable'),
};

const positiveSeconds = new Set(['batch_seconds', 'rate_limit_period_seconds']);

function usage(): string {
  const width = Math.max(...Object.keys(flags).map((name) => name.length)) + 2;
  const lines = Object.entries(flags).map(([name, flag]) => `  --${name.padEnd(width)}${flag.help} (default: ${flag.fallback})`);
  return ['Usage: gpt-batch sim [options]', '', 'Starts a local OpenAI-compatible server (Files, Batches, chat completions, responses, embeddings) to rehearse tasks for free.', '', 'Options:', ...lines, '  --help'.padEnd(width + 4) + 'show this help'].join('\n');
}

function parseValue(name: string, flag: Flag, raw: string): number | string | Record<string, number> {
  if (flag.kind === 'text') return raw;
  if (flag.kind === 'modelCounts') return parseModelCounts(name, raw);
  const value = Number(raw);
  const bad = (expected: string): InvalidInputError => new InvalidInputError(`--${name} must be ${expected}, got '${raw}'`);
  if (raw.trim() === '' || !Number.isFinite(value)) throw bad('a number');
  switch (flag.kind) {
    case 'port':
      if (!Number.isInteger(value) || value < 0 || value > 65535) throw bad('a port number between 0 and 65535');
      break;
    case 'count':
      if (!Number.isInteger(value) || value < 0) throw bad('a whole number ≥ 0');
      break;
    case 'seconds':
      if (value < 0 || (positiveSeconds.has(name) && value === 0)) throw bad(positiveSeconds.has(name) ? 'a number of seconds > 0' : 'a number of seconds ≥ 0');
      break;
    case 'rate':
      if (value < 0 || value > 1) throw bad('a fraction between 0 and 1');
      break;
    case 'status':
      if (![400, 429, 500].includes(value)) throw bad('one of 400, 429, 500');
      break;
  }
  return value;
}

/** `model=count,model=count` as a record; an entry without a model or with a count that is no whole number ≥ 0 is an error. */
function parseModelCounts(name: string, raw: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of raw.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(entry);
    if (!match) throw new InvalidInputError(`--${name} must be MODEL=TOKENS entries separated by commas (e.g. gpt-4o-mini=2000000,gpt-4o=90000), got '${entry}'`);
    counts[match[1] as string] = Number(match[2]);
  }
  return counts;
}

/** Parses `gpt-batch sim` arguments into simulator options; undefined when help was asked for. */
export function parseSimArgs(argv: string[]): SimulatorOptions | undefined {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { help: { type: 'boolean' }, ...Object.fromEntries(Object.keys(flags).map((name) => [name, { type: 'string' as const }])) },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new InvalidInputError(`${(error as Error).message} (see gpt-batch sim --help)`, { cause: error });
  }
  if (parsed.values.help === true) return undefined;
  const options: SimulatorOptions = {};
  const faults: Partial<FaultConfig> = {};
  for (const [name, flag] of Object.entries(flags)) {
    const raw = parsed.values[name];
    if (typeof raw !== 'string') continue;
    const value = parseValue(name, flag, raw);
    if (flag.fault) faults[flag.fault] = value as number;
    else if (flag.option) Object.assign(options, { [flag.option]: value });
  }
  return { ...options, faults };
}

/** `gpt-batch sim`: runs the simulator until SIGINT or SIGTERM, then closes it and returns 0. */
export async function runSimCommand(argv: string[]): Promise<number> {
  const options = parseSimArgs(argv);
  if (!options) {
    console.log(usage());
    return 0;
  }
  // The listening line below is the one users and scripts look for; the simulator itself reports only problems.
  const simulator = await startSimulator({ ...options, logger: filterLogger(console, 'warn') });
  console.log(`GPT Batch simulator listening on ${simulator.baseUrl}`);
  console.log(`Use it with: OPENAI_BASE_URL=${simulator.baseUrl} OPENAI_API_KEY=${options.apiKey ?? 'sim'} gpt-batch run …`);
  console.log('Press Ctrl+C to stop.');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await simulator.close();
  console.log(`Simulator stopped (${signal}).`);
  return 0;
}
