import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { EngineError, InvalidInputError } from '../shared/errors';
import { isJsonObject, TokenCoster, TokenEstimator, type CostRates, type Logger, type TokenWarnMode } from '../engine';
import { exitCodeFor, exitCodes } from './exitCodes';

const usage = `Usage: gpt-batch estimate FILE [options]

Estimates the input tokens, assumed output tokens and cost of every request in a JSONL file, offline. Each line
is a Batch API input line {custom_id, method, url, body} or a bare request body; each uses its own model.

Options:
  --endpoint URL                        endpoint of bare request bodies [default: /v1/chat/completions]
  --assumed_completion_ratio R          share of the max output tokens assumed to be used [default: 0.5]
  --cost_input_direct_mtoken PRICE      per million input tokens, direct API [default: 2.50]
  --cost_input_cached_mtoken PRICE      per million cached input tokens, direct API [default: 1.25]
  --cost_input_batch_mtoken PRICE       per million input tokens, Batch API [default: 1.25]
  --cost_output_direct_mtoken PRICE     per million output tokens, direct API [default: 10.00]
  --cost_output_batch_mtoken PRICE      per million output tokens, Batch API [default: 5.00]
  --token_estimator_warn MODE           never, once or always [default: once]
  --json                                print one JSON document instead of a table
  --help                                show this help`;

interface EstimateFlags {
  file: string;
  endpoint: string;
  completionRatio: number;
  rates: CostRates;
  warn: TokenWarnMode;
  json: boolean;
}

type EstimatedLine = {
  line: number;
  custom_id?: string;
  model: string;
  input_tokens: number;
  assumed_output_tokens: number;
  cost_batch: number;
  cost_direct: number;
};
type FailedLine = { line: number; error: string };

function numberFlag(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new InvalidInputError(`--${name} must be a number, not '${String(raw)}'`);
  return value;
}

/** Parses the command line; undefined means `--help`. */
function parseEstimateFlags(argv: string[]): EstimateFlags | undefined {
  const text = { type: 'string' } as const;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        endpoint: text,
        assumed_completion_ratio: text,
        cost_input_direct_mtoken: text,
        cost_input_cached_mtoken: text,
        cost_input_batch_mtoken: text,
        cost_output_direct_mtoken: text,
        cost_output_batch_mtoken: text,
        token_estimator_warn: text,
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new InvalidInputError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const completionRatio = numberFlag(values, 'assumed_completion_ratio', 0.5);
  if (completionRatio < 0 || completionRatio > 1) throw new InvalidInputError(`--assumed_completion_ratio must be within [0, 1], not ${completionRatio}`);
  if (positionals.length !== 1) throw new InvalidInputError(`expected exactly one FILE, got ${positionals.length}\n\n${usage}`);
  return {
    file: positionals[0] as string,
    endpoint: values.endpoint ?? '/v1/chat/completions',
    completionRatio,
    rates: {
      cost_input_direct_mtoken: numberFlag(values, 'cost_input_direct_mtoken', 2.5),
      cost_input_cached_mtoken: numberFlag(values, 'cost_input_cached_mtoken', 1.25),
      cost_input_batch_mtoken: numberFlag(values, 'cost_input_batch_mtoken', 1.25),
      cost_output_direct_mtoken: numberFlag(values, 'cost_output_direct_mtoken', 10),
      cost_output_batch_mtoken: numberFlag(values, 'cost_output_batch_mtoken', 5),
    },
    warn: (values.token_estimator_warn ?? 'once') as TokenWarnMode,
    json: values.json ?? false,
  };
}

/** The request on one line, or why the line is not one. */
function readRequest(value: unknown, defaultEndpoint: string): { endpoint: string; body: Record<string, unknown>; customId?: string } | string {
  if (!isJsonObject(value)) return 'not a request (expected a JSON object)';
  let endpoint = defaultEndpoint;
  let body = value;
  let customId: string | undefined;
  if ('body' in value || 'url' in value || 'custom_id' in value) {
    if (typeof value.url !== 'string') return 'batch input line without a string "url"';
    if (!isJsonObject(value.body)) return 'batch input line without a "body" object';
    endpoint = value.url;
    body = value.body;
    if (typeof value.custom_id === 'string') customId = value.custom_id;
  }
  if (typeof body.model !== 'string') return 'not a request (no string "model")';
  if (endpoint === '/v1/chat/completions' && !Array.isArray(body.messages)) return 'chat request without a "messages" list';
  if (endpoint === '/v1/embeddings' && body.input === undefined) return 'embeddings request without "input"';
  if (endpoint === '/v1/responses' && body.input === undefined && body.instructions === undefined) {
    return 'responses request without "input" or "instructions"';
  }
  return { endpoint, body, ...(customId !== undefined ? { customId } : {}) };
}

const stderrLogger: Logger = {
  error: (message) => console.error(message),
  warn: (message) => console.error(`warning: ${message}`),
  info: (message) => console.error(message),
  debug: () => {},
};

async function estimateFile(flags: EstimateFlags): Promise<(EstimatedLine | FailedLine)[]> {
  const estimator = new TokenEstimator({ warn: flags.warn, logger: stderrLogger });
  const coster = new TokenCoster(flags.rates);
  try {
    await access(flags.file);
  } catch (error) {
    throw new InvalidInputError(`Cannot read the requests file ${flags.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const results: (EstimatedLine | FailedLine)[] = [];
  const lines = createInterface({ input: createReadStream(flags.file, 'utf8'), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber += 1;
    if (text.trim() === '') continue;
    const fail = (reason: string): void => {
      results.push({ line: lineNumber, error: `line ${lineNumber}: ${reason}` });
    };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      fail(`not valid JSON (${(error as Error).message})`);
      continue;
    }
    const request = readRequest(value, flags.endpoint);
    if (typeof request === 'string') {
      fail(request);
      continue;
    }
    try {
      const input = estimator.estimateInput(request.body, request.endpoint).total;
      const output = estimator.estimateOutput(request.body, request.endpoint, flags.completionRatio).assumed;
      const cost = coster.estimate(input, output);
      results.push({
        line: lineNumber,
        ...(request.customId !== undefined ? { custom_id: request.customId } : {}),
        model: request.body.model as string,
        input_tokens: input,
        assumed_output_tokens: output,
        cost_batch: cost.cost_input_batch + cost.cost_output_batch,
        cost_direct: cost.cost_input_direct + cost.cost_output_direct,
      });
    } catch (error) {
      if (!EngineError.is(error, 'invalidInput')) throw error;
      fail(error.message);
    }
  }
  return results;
}

function totals(results: readonly (EstimatedLine | FailedLine)[]) {
  const total = { input_tokens: 0, assumed_output_tokens: 0, cost_batch: 0, cost_direct: 0, lines: results.length, errors: 0 };
  for (const result of results) {
    if ('error' in result) {
      total.errors += 1;
      continue;
    }
    total.input_tokens += result.input_tokens;
    total.assumed_output_tokens += result.assumed_output_tokens;
    total.cost_batch += result.cost_batch;
    total.cost_direct += result.cost_direct;
  }
  return total;
}

function formatTable(results: readonly (EstimatedLine | FailedLine)[]): string {
  const total = totals(results);
  const money = (value: number): string => value.toFixed(6);
  const header = ['line', 'custom_id', 'model', 'input', 'output', 'cost batch', 'cost direct'];
  const rows = results
    .filter((result): result is EstimatedLine => !('error' in result))
    .map((r) => [String(r.line), r.custom_id ?? '', r.model, String(r.input_tokens), String(r.assumed_output_tokens), money(r.cost_batch), money(r.cost_direct)]);
  const footer = ['total', `${total.lines - total.errors} estimated`, '', String(total.input_tokens), String(total.assumed_output_tokens), money(total.cost_batch), money(total.cost_direct)];
  const widths = header.map((_, column) => Math.max(...[header, ...rows, footer].map((row) => (row[column] ?? '').length)));
  const textColumns = new Set([1, 2]);
  const render = (row: string[]): string =>
    row.map((cell, column) => (textColumns.has(column) ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const lines = [render(header), rule, ...rows.map(render), rule, render(footer)];
  const errors = results.filter((result): result is FailedLine => 'error' in result);
  if (errors.length > 0) lines.push('', `${errors.length} line(s) not estimated:`, ...errors.map((e) => `  ${e.error}`));
  return lines.join('\n');
}

/** `gpt-batch estimate FILE`: returns 0 if every line was estimated, 2 if a line or the file could not be. */
export async function runEstimateCommand(argv: string[]): Promise<number> {
  try {
    const flags = parseEstimateFlags(argv);
    if (!flags) {
      console.log(usage);
      return exitCodes.ok;
    }
    const results = await estimateFile(flags);
    const total = totals(results);
    console.log(flags.json ? JSON.stringify({ lines: results, total }, null, 2) : formatTable(results));
    return total.errors > 0 ? exitCodes.invalidInput : exitCodes.ok;
  } catch (error) {
    if (!EngineError.is(error)) throw error;
    console.error(`gpt-batch estimate: ${error.message}`);
    return exitCodeFor(error);
  }
}
