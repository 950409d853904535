import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../shared/errors';
import type { CostRates } from '../../engine';
import type { TokenWarnMode } from '../../engine';
import { fallbackPricesModel } from '../../engine';

/** Above this many lines `--json` warns that one document is unwieldy and suggests `--jsonl`. */
export const jsonDocumentLineLimit = 100_000;

export const usage = `Usage: gpt-batch estimate FILE [options]

Estimates the input tokens, assumed output tokens and cost of every request in a JSONL file, offline. Each line
is a Batch API input line {custom_id, method, url, body} or a bare request body; each uses its own model.
Lines are printed as they are estimated; only the totals are kept, so files of any size fit in memory.

Prices come from a table of OpenAI's published prices per model (dated snapshots such as gpt-4o-mini-2024-07-18
use their model's); a model not in it is priced like ${fallbackPricesModel}, with a warning naming the prices used. Each
--cost_* flag sets that price for every model.

Options:
  --endpoint URL                        endpoint of bare request bodies [default: /v1/chat/completions]
  --assumed_completion_ratio R          share of the max output tokens assumed to be used [default: 0.5]
  --cost_input_direct_mtoken PRICE      per million input tokens, direct API
  --cost_input_cached_mtoken PRICE      per million cached input tokens, direct API
  --cost_input_batch_mtoken PRICE       per million input tokens, Batch API
  --cost_output_direct_mtoken PRICE     per million output tokens, direct API
  --cost_output_batch_mtoken PRICE      per million output tokens, Batch API
  --token_estimator_warn MODE           never, once or always [default: once]
  --json                                print one JSON document {lines, total, models}; meant for small files, it
                                        warns above ${jsonDocumentLineLimit.toLocaleString('en-US')} lines
  --jsonl                               print one JSON object per line, then {total, models} on the last line
  --summary                             print only the totals per model and overall (as JSON with --json/--jsonl)
  --help                                show this help

Costs are rounded to 8 decimals. The exit code is 2 if a line, or the file, could not be estimated.`;

/** What is printed: every line as a table, a JSON document or JSON lines; or only the totals. */
export type EstimateOutput = 'table' | 'json' | 'jsonl';

export interface EstimateFlags {
  file: string;
  endpoint: string;
  completionRatio: number;
  /** The prices set on the command line; the others come from the price table. */
  priceFlags: Partial<CostRates>;
  warn: TokenWarnMode;
  output: EstimateOutput;
  summaryOnly: boolean;
}

const priceFlagNames = [
  'cost_input_direct_mtoken',
  'cost_input_cached_mtoken',
  'cost_input_batch_mtoken',
  'cost_output_direct_mtoken',
  'cost_output_batch_mtoken',
] as const;

function numberFlag(name: string, raw: string): number {
  const value = raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new InvalidInputError(`--${name} must be a number, not '${raw}'`);
  return value;
}

/** Parses the command line; undefined means `--help`. */
export function parseEstimateFlags(argv: string[]): EstimateFlags | undefined {
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
        jsonl: { type: 'boolean' },
        summary: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new InvalidInputError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const ratioFlag = values.assumed_completion_ratio;
  const completionRatio = ratioFlag === undefined ? 0.5 : numberFlag('assumed_completion_ratio', ratioFlag);
  if (completionRatio < 0 || completionRatio > 1) throw new InvalidInputError(`--assumed_completion_ratio must be within [0, 1], not ${completionRatio}`);
  if (values.json && values.jsonl) throw new InvalidInputError('--json and --jsonl exclude each other');
  if (positionals.length !== 1) throw new InvalidInputError(`expected exactly one FILE, got ${positionals.length}\n\n${usage}`);
  const priceFlags: Partial<CostRates> = {};
  for (const name of priceFlagNames) {
    const raw = values[name];
    if (raw !== undefined) priceFlags[name] = numberFlag(name, raw);
  }
  return {
    file: positionals[0] as string,
    endpoint: values.endpoint ?? '/v1/chat/completions',
    completionRatio,
    priceFlags,
    warn: (values.token_estimator_warn ?? 'once') as TokenWarnMode,
    output: values.json ? 'json' : values.jsonl ? 'jsonl' : 'table',
    summaryOnly: values.summary === true,
  };
}
