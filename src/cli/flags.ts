import { InvalidInputError } from '../shared/errors';
import { acceptsNull, flagNames, optionValueKind, type OptionDef } from '../shared/options';
import { didYouMean } from '../shared/options/suggest';

/** The result of `parseFlags`. */
export interface ParsedFlags {
  /** Values by option name (snake_case, without dashes), only for options given. */
  values: Record<string, unknown>;
  /** Arguments that are not flags, in order; everything after `--` is positional. */
  positionals: string[];
  /** True if `--help` or `-h` was given; parsing stops there. */
  help: boolean;
}

/** What one command-line spelling does: set `def` to a fixed boolean, or read a value for it. */
interface FlagAction {
  def: OptionDef;
  sets?: boolean;
}

/**
 * Parses snake_case flags for the given option defs: `--name VALUE`, `--name=VALUE`, `--switch`, `--no_name`,
 * `--help`/`-h`. Values are converted by the option's schema kind (int, float, string, enum, nullable: `null`
 * gives null for a nullable number). Unknown flag → InvalidInputError with a suggestion; missing value, bad number,
 * repeated flag → InvalidInputError naming the flag. Values are not range-checked here: `resolveOptions` does that.
 */
export function parseFlags(argv: string[], defs: readonly OptionDef[]): ParsedFlags {
  const actions = flagActions(defs);
  const values: Record<string, unknown> = {};
  const givenAs = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') return { values, positionals, help: true };
    if (!arg.startsWith('-') || arg === '-' || isNumber(arg)) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const flag = equals >= 0 && arg.startsWith('--') ? arg.slice(0, equals) : arg;
    const action = actions.get(flag);
    if (action === undefined) {
      throw new InvalidInputError(`unknown flag ${flag}${didYouMean(flag, [...actions.keys(), '--help'])}`);
    }
    const { def } = action;
    const earlier = givenAs.get(def.name);
    if (earlier !== undefined) {
      throw new InvalidInputError(earlier === flag ? `${flag} given more than once` : `${flag} conflicts with ${earlier} given earlier`);
    }
    givenAs.set(def.name, flag);
    if (action.sets !== undefined) {
      if (equals >= 0) throw new InvalidInputError(`${flag} takes no value`);
      values[def.name] = action.sets;
      continue;
    }
    let text: string;
    if (equals >= 0) {
      text = arg.slice(equals + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--') || next === '-h') {
        throw new InvalidInputError(`${flag} needs a value (${def.metavar ?? 'VALUE'})`);
      }
      text = next;
      i++;
    }
    values[def.name] = convertValue(flag, def, text);
  }
  return { values, positionals, help: false };
}

function flagActions(defs: readonly OptionDef[]): Map<string, FlagAction> {
  const actions = new Map<string, FlagAction>();
  for (const def of defs) {
    for (const flag of flagNames(def)) {
      if (def.flag === 'value') actions.set(flag, { def });
      else actions.set(flag, { def, sets: !flag.startsWith('--no_') });
    }
  }
  return actions;
}

function convertValue(flag: string, def: OptionDef, text: string): unknown {
  const kind = optionValueKind(def);
  if (text === 'null' && kind !== 'string' && acceptsNull(def)) return null;
  switch (kind) {
    case 'integer':
      if (!/^[+-]?\d+$/.test(text)) throw new InvalidInputError(`${flag}: expected an integer, got '${text}'`);
      return Number(text);
    case 'number':
      if (!isNumber(text)) throw new InvalidInputError(`${flag}: expected a number, got '${text}'`);
      return Number(text);
    default:
      return text;
  }
}

function isNumber(text: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text);
}
