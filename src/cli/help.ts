import { flagNames, optionValueKind, type OptionDef, type OptionGroup } from '../shared/options';

const width = 100;
const helpColumn = 34;

/**
 * Help grouped by OptionGroup (groups in the order their first option appears in `defs`), each flag with metavar,
 * help text and `[default: <value><unit>]` when the option takes a value and its default is not null. Options that
 * are not on the command line are left out.
 */
export function renderHelp(usage: string, defs: readonly OptionDef[]): string {
  const lines = [usage, '', 'Options:', ...entry('-h, --help', 'Show this help and exit.')];
  const groups = new Map<OptionGroup, OptionDef[]>();
  for (const def of defs) {
    if (def.cli === false) continue;
    const members = groups.get(def.group) ?? [];
    members.push(def);
    groups.set(def.group, members);
  }
  for (const [group, members] of groups) {
    lines.push('', `${group}:`);
    for (const def of members) lines.push(...entry(synopsis(def), def.help, defaultSuffix(def)));
  }
  return lines.join('\n');
}

function synopsis(def: OptionDef): string {
  const flags = flagNames(def).join(', ');
  return def.flag === 'value' ? `${flags} ${def.metavar ?? 'VALUE'}` : flags;
}

function defaultSuffix(def: OptionDef): string | undefined {
  if (def.flag !== 'value' || def.default === null || def.default === undefined) return undefined;
  return `[default: ${formatDefault(def)}${def.unit ?? ''}]`;
}

/** Floats keep a decimal point (`10.0`), so that help shows which options accept fractions. */
function formatDefault(def: OptionDef): string {
  const value = def.default;
  if (typeof value === 'number' && Number.isInteger(value) && optionValueKind(def) === 'number') return value.toFixed(1);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

/** One option's lines; the default suffix is never split across lines so that it can be searched for. */
function entry(left: string, help: string, suffix?: string): string[] {
  const indent = ' '.repeat(helpColumn);
  const words = help.split(/\s+/);
  const wrapped = wrap(suffix === undefined ? words : [...words, suffix], width - helpColumn);
  const head = `  ${left}`;
  if (head.length > helpColumn - 2) return [head, ...wrapped.map((line) => indent + line)];
  return wrapped.map((line, index) => (index === 0 ? head.padEnd(helpColumn) : indent) + line);
}

function wrap(words: string[], columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
