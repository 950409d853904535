import assert from 'node:assert/strict';
import { renderHelp } from '../../../src/cli/help';
import { flagNames, optionDefs } from '../../../src/shared/options';

const help = renderHelp('Usage: gpt-batch demo --task NAME [options]', optionDefs);
const lines = help.split('\n');

/** The help text of one flag, its wrapped lines joined. */
function entryOf(synopsis: string): string {
  const start = lines.findIndex((line) => line.startsWith(`  ${synopsis} `) || line === `  ${synopsis}`);
  assert.ok(start >= 0, `no entry for ${synopsis}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => !line.startsWith('    '));
  return [lines[start], ...rest.slice(0, end < 0 ? rest.length : end)].map((line) => line?.trim()).join(' ');
}

describe('renderHelp', () => {
  it('starts with the usage and lists the groups in order', () => {
    assert.equal(lines[0], 'Usage: gpt-batch demo --task NAME [options]');
    const groups = lines.filter((line) => /^[A-Z][A-Za-z ]+:$/.test(line));
    assert.deepEqual(groups, ['Options:', 'GPT requester:', 'Task manager:', 'Task metadata:', 'Program:']);
  });

  it('shows each value flag with its metavar and its default with unit', () => {
    assert.match(entryOf('--max_batch_ktokens KTOK'), /\[default: 20000 ktokens\]$/);
    assert.match(entryOf('--remote_update_interval SEC'), /\[default: 10\.0s\]$/);
    assert.match(entryOf('--cost_input_direct_mtoken COST'), /\[default: 2\.5\]$/);
    assert.match(entryOf('--postprocess_output MODE'), /\[default: if_written\]$/);
    assert.match(entryOf('--process_failed_batches MAXNUM'), /\[default: 0\]$/);
  });

  it('shows no default for null defaults and switches', () => {
    assert.doesNotMatch(entryOf('--openai_api_key KEY'), /default:/);
    assert.doesNotMatch(entryOf('--lock_timeout SEC'), /default:/);
    assert.doesNotMatch(entryOf('--dryrun'), /default:/);
  });

  it('spells switches as they are typed', () => {
    entryOf('--no_run');
    entryOf('--no_auto_parse');
    entryOf('--wandb, --no_wandb');
    entryOf('-h, --help');
  });

  it('lists every command-line option once and leaves out the others', () => {
    const synopses = lines.filter((line) => line.startsWith('  -')).map((line) => line.trim().split(/\s{2,}/)[0]);
    const onCommandLine = optionDefs.filter((def) => def.cli !== false);
    assert.equal(synopses.length, onCommandLine.length + 1);
    for (const def of onCommandLine) {
      const expected = flagNames(def).join(', ') + (def.flag === 'value' ? ` ${def.metavar}` : '');
      assert.equal(synopses.filter((synopsis) => synopsis === expected).length, 1, expected);
    }
    assert.doesNotMatch(help, /client_kwargs/);
  });

  it('keeps lines within 100 columns', () => {
    for (const line of lines) assert.ok(line.length <= 100, line);
  });
});
