import assert from 'node:assert/strict';
import { parseFlags } from '../../../src/cli/flags';
import { InvalidInputError } from '../../../src/shared/errors';
import { optionDefs } from '../../../src/shared/options';

function parse(...argv: string[]) {
  return parseFlags(argv, optionDefs);
}

function rejection(argv: string[]): string {
  try {
    parseFlags(argv, optionDefs);
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`expected ${argv.join(' ')} to be rejected`);
}

describe('parseFlags', () => {
  it('reads values, switches and negated switches under their snake_case names', () => {
    const parsed = parse('--max_session_requests', '10', '--force_direct', '--direct_verbose', 'always', '--no_run', '--no_auto_parse');
    assert.deepEqual(parsed, {
      values: { max_session_requests: 10, force_direct: true, direct_verbose: 'always', run: false, auto_parse: false },
      positionals: [],
      help: false,
    });
  });

  it('converts by kind: integers, floats, strings and null for nullable numbers', () => {
    const { values } = parse(
      '--max_retries=5',
      '--cost_input_direct_mtoken',
      '0.150',
      '--max_batch_cost=1.00',
      '--model',
      'gpt-4o-mini-2024-07-18',
      '--assumed_completion_ratio',
      'null',
      '--wandb_name',
      'null',
    );
    assert.deepEqual(values, {
      max_retries: 5,
      cost_input_direct_mtoken: 0.15,
      max_batch_cost: 1,
      model: 'gpt-4o-mini-2024-07-18',
      assumed_completion_ratio: null,
      wandb_name: 'null',
    });
  });

  it('takes negative numbers as values', () => {
    assert.equal(parse('--process_failed_batches', '-1').values['process_failed_batches'], -1);
    assert.equal(parse('--lock_timeout', '-1').values['lock_timeout'], -1);
  });

  it('accepts both --wandb and --no_wandb, but not together', () => {
    assert.equal(parse('--wandb').values['wandb'], true);
    assert.equal(parse('--no_wandb').values['wandb'], false);
    assert.equal(rejection(['--wandb', '--no_wandb']), '--no_wandb conflicts with --wandb given earlier');
  });

  it('collects positionals, and everything after --', () => {
    const parsed = parse('run', '--dryrun', 'my-task', '--', '--not-a-flag');
    assert.deepEqual(parsed.positionals, ['run', 'my-task', '--not-a-flag']);
    assert.deepEqual(parsed.values, { dryrun: true });
  });

  it('stops at --help or -h', () => {
    assert.equal(parse('--dryrun', '--help', '--bogus').help, true);
    assert.equal(parse('-h').help, true);
  });

  it('rejects unknown flags with a suggestion', () => {
    assert.equal(rejection(['--max_batch_request', '5']), 'unknown flag --max_batch_request; did you mean --max_batch_requests?');
    assert.equal(rejection(['--auto_parse']), 'unknown flag --auto_parse; did you mean --no_auto_parse?');
    assert.equal(rejection(['--dry-run']), 'unknown flag --dry-run; did you mean --dryrun?');
    assert.equal(rejection(['-x']), 'unknown flag -x');
  });

  it('rejects a missing value, naming the flag and its metavar', () => {
    assert.equal(rejection(['--max_retries']), '--max_retries needs a value (NUM)');
    assert.equal(rejection(['--max_retries', '--dryrun']), '--max_retries needs a value (NUM)');
  });

  it('rejects bad numbers, naming the flag', () => {
    assert.equal(rejection(['--max_retries', 'two']), "--max_retries: expected an integer, got 'two'");
    assert.equal(rejection(['--max_retries', '2.5']), "--max_retries: expected an integer, got '2.5'");
    assert.equal(rejection(['--min_pass_ratio=high']), "--min_pass_ratio: expected a number, got 'high'");
    assert.equal(rejection(['--max_task_cost', 'Infinity']), "--max_task_cost: expected a number, got 'Infinity'");
    assert.equal(rejection(['--max_retries', 'null']), "--max_retries: expected an integer, got 'null'");
  });

  it('rejects repeated flags and values given to switches', () => {
    assert.equal(rejection(['--max_retries', '1', '--max_retries', '2']), '--max_retries given more than once');
    assert.equal(rejection(['--dryrun', '--dryrun']), '--dryrun given more than once');
    assert.equal(rejection(['--dryrun=true']), '--dryrun takes no value');
  });

  it('does not offer options that are not on the command line', () => {
    assert.match(rejection(['--client_kwargs', '{}']), /^unknown flag --client_kwargs/);
  });

  it('only knows the flags of the defs it is given', () => {
    const requesterOnly = optionDefs.filter((def) => def.group === 'GPT requester');
    assert.throws(() => parseFlags(['--task', 'char_codes'], requesterOnly), /unknown flag --task/);
  });
});
