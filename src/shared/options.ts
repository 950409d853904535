import { z } from 'zod';
import { InvalidInputError } from './errors';
import { apiPath, type OptionSpec, type ResolvedValues } from './options/optionSpec';
import { requesterOptionSpecs } from './options/requesterOptions';
import { didYouMean } from './options/suggest';
import { programOptionSpecs, taskManagerOptionSpecs, taskMetaOptionSpecs } from './options/taskOptions';

/** The groups options are listed under in help, in the order they appear. */
export type OptionGroup = 'GPT requester' | 'Task manager' | 'Task metadata' | 'Program';

/**
 * One option, settable under the same snake_case name as a command-line flag, a task-file key and an extension
 * setting.
 */
export interface OptionDef {
  name: string;
  group: OptionGroup;
  /** Validates (and normalises) a value given for the option. */
  schema: z.ZodType;
  /** The value when no source sets the option; always valid for `schema`. */
  default: unknown;
  help: string;
  /** Appended to the default in help, e.g. `s` gives `[default: 10.0s]`. */
  unit?: string;
  /** Placeholder for the value in help, e.g. `NUM`. */
  metavar?: string;
  /**
   * How it appears on the command line: `value` = `--name VALUE`; `switch` = `--name` sets true; `negated` =
   * `--no_name` sets false; `both` = `--name` sets true and `--no_name` sets false.
   */
  flag: 'value' | 'switch' | 'negated' | 'both';
  /** False for options that cannot be given on the command line. */
  cli?: boolean;
  /** False for options that can only be given on the command line (not in the task file). */
  file?: boolean;
  /**
   * Set for credentials, which a task file must never hold (it is shared and often committed; `file` is false for
   * them too). `instead` tells the user where to put the value, e.g. "set the X environment variable".
   */
  secret?: { instead: string };
}

/** Every requester option, resolved (defaults applied, validated, limits reconciled). */
export type RequesterOptions = ResolvedValues<typeof requesterOptionSpecs>;
/** Every task manager option, resolved. */
export type TaskManagerOptions = ResolvedValues<typeof taskManagerOptionSpecs>;
/** The task to run and the metadata of a new task; null = the task's own default. */
export type TaskMetaOptions = ResolvedValues<typeof taskMetaOptionSpecs>;
/** Options of the gpt-batch program itself. */
export type ProgramOptions = ResolvedValues<typeof programOptionSpecs>;

const specGroups: readonly [OptionGroup, Record<string, OptionSpec>][] = [
  ['GPT requester', requesterOptionSpecs],
  ['Task manager', taskManagerOptionSpecs],
  ['Task metadata', taskMetaOptionSpecs],
  ['Program', programOptionSpecs],
];

/** Every option, in help order. */
export const optionDefs: readonly OptionDef[] = specGroups.flatMap(([group, specs]) =>
  Object.entries(specs).map(([name, spec]): OptionDef => ({ name, group, ...spec })),
);

const defsByName = new Map(optionDefs.map((def) => [def.name, def]));

/** The kind of value an option takes, which decides how a command-line string is converted. */
export type OptionValueKind = 'boolean' | 'integer' | 'number' | 'string' | 'object';

/** The kind of value `def` takes (nullability aside). */
export function optionValueKind(def: OptionDef): OptionValueKind {
  return kindOf(def.schema);
}

function kindOf(schema: z.ZodType): OptionValueKind {
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional) return kindOf(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodPipe) return kindOf((schema.in instanceof z.ZodTransform ? schema.out : schema.in) as z.ZodType);
  if (schema instanceof z.ZodBoolean) return 'boolean';
  if (schema instanceof z.ZodNumber) return schema.isInt ? 'integer' : 'number';
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum) return 'string';
  return 'object';
}

/** True if null is a valid value of `def`. */
export function acceptsNull(def: OptionDef): boolean {
  return def.schema.safeParse(null).success;
}

/** The command-line spellings of `def`, e.g. `['--wandb', '--no_wandb']`; empty if it is not on the command line. */
export function flagNames(def: OptionDef): string[] {
  if (def.cli === false) return [];
  switch (def.flag) {
    case 'negated':
      return [`--no_${def.name}`];
    case 'both':
      return [`--${def.name}`, `--no_${def.name}`];
    default:
      return [`--${def.name}`];
  }
}

/** Option values from one source. */
export interface OptionLayer {
  /** Where the values come from, named in errors, e.g. "command line" or "gpt-batch.json, task 'x'". */
  source: string;
  /** Values by option name; undefined values are ignored. */
  values: Record<string, unknown>;
  /** True if the values come from command-line flags, so errors name `--flags`; defaults to source "command line". */
  flags?: boolean;
}

/** The result of `resolveOptions`. */
export interface OptionValues {
  requester: RequesterOptions;
  taskManager: TaskManagerOptions;
  meta: TaskMetaOptions;
  program: ProgramOptions;
  /** Names of the options some layer set (lowered limits are not counted). */
  explicit: ReadonlySet<string>;
}

interface Setting {
  value: unknown;
  /** How the option is named to the user where it was set: `--name` on the command line, else `name`. */
  label: string;
  /** The layer source that set it, or a note such as "default". */
  origin: string;
  explicit: boolean;
}

/**
 * Applies defaults and validates. Later layers override earlier ones. Errors are InvalidInputError naming the
 * source, the key/flag (`--max_batch_ktokens` for the command line, `max_batch_ktokens` for files) and what was
 * expected; unknown keys are errors (with a "did you mean" suggestion). Every problem found is reported at once.
 *
 * Cross-field rules: a batch limit (`max_batch_requests`, `_mb`, `_ktokens`, `_cost`) above its remote limit, and
 * `min_batch_requests` above `max_batch_requests`, is lowered to that limit when no layer set it, and is an error
 * naming both options when one did. `opinions_min` must not exceed `opinions_max`.
 */
export function resolveOptions(layers: OptionLayer[]): OptionValues {
  const settings = new Map<string, Setting>(
    optionDefs.map((def) => [def.name, { value: def.default, label: def.name, origin: 'default', explicit: false }]),
  );
  const problems: string[] = [];
  for (const layer of layers) readLayer(layer, settings, problems);
  reconcileLimits(settings, problems);
  if (problems.length === 1) throw new InvalidInputError(problems[0] ?? '');
  if (problems.length > 1) throw new InvalidInputError(`${problems.length} problems with the options:\n  ${problems.join('\n  ')}`);

  const valuesOf = <T extends Record<string, OptionSpec>>(specs: T): ResolvedValues<T> =>
    Object.fromEntries(Object.keys(specs).map((name) => [name, settings.get(name)?.value])) as ResolvedValues<T>;
  return {
    requester: valuesOf(requesterOptionSpecs),
    taskManager: valuesOf(taskManagerOptionSpecs),
    meta: valuesOf(taskMetaOptionSpecs),
    program: valuesOf(programOptionSpecs),
    explicit: new Set([...settings].filter(([, setting]) => setting.explicit).map(([name]) => name)),
  };
}

function readLayer(layer: OptionLayer, settings: Map<string, Setting>, problems: string[]): void {
  const onCommandLine = layer.flags ?? layer.source === 'command line';
  for (const [name, raw] of Object.entries(layer.values)) {
    if (raw === undefined) continue;
    const def = defsByName.get(name);
    if (def === undefined) {
      const candidates = onCommandLine
        ? optionDefs.flatMap(flagNames)
        : optionDefs.filter((d) => d.file !== false).map((d) => d.name);
      const shown = onCommandLine ? `--${name}` : name;
      problems.push(`${layer.source}: unknown option ${shown}${didYouMean(shown, candidates)}`);
      continue;
    }
    const label = onCommandLine ? commandLineLabel(def, raw) : name;
    if (onCommandLine && def.cli === false) {
      problems.push(`${layer.source}: ${name} cannot be given on the command line; set it in the task file`);
      continue;
    }
    if (!onCommandLine && def.file === false) {
      problems.push(`${layer.source}: ${def.secret === undefined ? `${name} can only be given on the command line (--${name})` : secretInFileMessage(name, def.secret)}`);
      continue;
    }
    const parsed = def.schema.safeParse(raw);
    if (!parsed.success) {
      const expected = parsed.error.issues[0]?.message ?? 'a valid value';
      problems.push(`${layer.source}: ${label}: expected ${expected}${acceptsNull(def) ? ' or null' : ''}, got ${show(raw)}`);
      continue;
    }
    settings.set(name, { value: parsed.data, label, origin: layer.source, explicit: true });
  }
}

/** Why a credential found in a task file is refused, and where it belongs instead; never shows its value. */
export function secretInFileMessage(name: string, secret: { instead: string }): string {
  return `'${name}' is not accepted in a task file, which is shared and often committed; instead, ${secret.instead}`;
}

function commandLineLabel(def: OptionDef, value: unknown): string {
  const negated = def.flag === 'negated' || (def.flag === 'both' && value === false);
  return negated ? `--no_${def.name}` : `--${def.name}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Pairs [lower, upper] where the lower limit must not exceed the upper one; checked in this order. */
const limitOrder = [
  ['max_batch_requests', 'max_remote_requests'],
  ['max_batch_mb', 'max_remote_mb'],
  ['max_batch_ktokens', 'max_remote_ktokens'],
  ['max_batch_cost', 'max_remote_cost'],
  ['min_batch_requests', 'max_batch_requests'],
  ['opinions_min', 'opinions_max'],
] as const satisfies readonly (readonly [keyof ResolvedOptionsByName, keyof ResolvedOptionsByName])[];

type ResolvedOptionsByName = RequesterOptions & TaskMetaOptions;

function reconcileLimits(settings: Map<string, Setting>, problems: string[]): void {
  for (const [lowerName, upperName] of limitOrder) {
    const lower = settings.get(lowerName);
    const upper = settings.get(upperName);
    if (lower === undefined || upper === undefined) continue;
    if (typeof lower.value !== 'number' || typeof upper.value !== 'number' || lower.value <= upper.value) continue;
    if (lower.explicit) {
      problems.push(
        `${lower.label} ${lower.value} (${lower.origin}) must not exceed ${upper.label} ${upper.value} (${upper.origin})`,
      );
    } else {
      settings.set(lowerName, { ...lower, value: upper.value, origin: `default, lowered to ${upperName}` });
    }
  }
}

/** Limits in tokens and bytes with the safety factors applied (engine.md §4.1). */
export interface DerivedLimits {
  max_task_tokens: number;
  max_session_tokens: number;
  max_direct_tokens: number;
  max_batch_tokens: number;
  max_remote_tokens: number;
  /** Bytes; MB are decimal (10^6 bytes). */
  max_batch_size: number;
  /** Bytes. */
  max_remote_size: number;
}

/**
 * Divides the ktoken limits by `max_token_safety` and the MB limits by `max_mb_safety`, rounding half to even.
 * Task and session tokens never go below 0, direct/batch/remote tokens never below 1000, sizes never below 10^6.
 */
export function deriveLimits(options: RequesterOptions): DerivedLimits {
  const tokens = (ktokens: number, floor: number) => Math.max(roundHalfEven((ktokens * 1000) / options.max_token_safety), floor);
  const bytes = (mb: number) => Math.max(roundHalfEven((mb * 1e6) / options.max_mb_safety), 1e6);
  return {
    max_task_tokens: tokens(options.max_task_ktokens, 0),
    max_session_tokens: tokens(options.max_session_ktokens, 0),
    max_direct_tokens: tokens(options.max_direct_ktokens, 1000),
    max_batch_tokens: tokens(options.max_batch_ktokens, 1000),
    max_remote_tokens: tokens(options.max_remote_ktokens, 1000),
    max_batch_size: bytes(options.max_batch_mb),
    max_remote_size: bytes(options.max_remote_mb),
  };
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The endpoint used when none is configured and OPENAI_ENDPOINT is unset. */
export const defaultEndpoint = '/v1/chat/completions';

/** The endpoint of every request of provider anthropic: its Messages API. */
export const anthropicEndpoint = '/v1/messages';

/**
 * The endpoint every request goes to: the `endpoint` option, else `/v1/messages` for provider anthropic, else the
 * environment variable OPENAI_ENDPOINT (when non-empty), else `/v1/chat/completions`. A malformed OPENAI_ENDPOINT is
 * an InvalidInputError.
 */

export function resolveEndpoint(endpoint: string | null, env: Readonly<Record<string, string | undefined>>, provider = 'openai'): string {
  if (endpoint !== null) return endpoint;
  if (provider === 'anthropic') return anthropicEndpoint;
  const fromEnv = env['OPENAI_ENDPOINT'];
  if (fromEnv === undefined || fromEnv === '') return defaultEndpoint;
  const parsed = apiPath().safeParse(fromEnv);
  if (!parsed.success) {
    throw new InvalidInputError(`environment variable OPENAI_ENDPOINT: expected ${parsed.error.issues[0]?.message}, got ${show(fromEnv)}`);
  }
  return parsed.data;
}

/** Lock timing in seconds with the null defaults filled in; a negative timeout means "wait forever". */
export interface LockSettings {
  timeout: number;
  pollInterval: number;
  statusInterval: number;
}

/** Fills in the lock options left null: timeout -1 (wait forever), poll interval 0.25 s, status interval 5 s. */
export function resolveLockSettings(
  options: Pick<RequesterOptions, 'lock_timeout' | 'lock_poll_interval' | 'lock_status_interval'>,
): LockSettings {
  return {
    timeout: options.lock_timeout ?? -1,
    pollInterval: options.lock_poll_interval ?? 0.25,
    statusInterval: options.lock_status_interval ?? 5.0,
  };
}

/**
 * JSON Schema (draft 2020-12, via z.toJSONSchema) of the option keys a task file may set: an object schema whose
 * `properties` describe each option (with its help as `description` and its `default`), no other keys allowed.
 */
export function optionsJsonSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const def of optionDefs) {
    if (def.file === false) continue;
    const schema: Record<string, unknown> = { ...z.toJSONSchema(def.schema, { io: 'input' }) };
    delete schema['$schema'];
    properties[def.name] = { ...schema, description: def.help, default: def.default };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties,
    additionalProperties: false,
  };
}
