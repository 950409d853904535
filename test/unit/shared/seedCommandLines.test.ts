import assert from 'node:assert/strict';
import { parseFlags } from '../../../src/cli/flags';
import { deriveLimits, optionDefs, resolveOptions } from '../../../src/shared/options';

// The command lines of the Python library's README, with the program swapped for gpt-batch: every one must parse
// and resolve unchanged. "${MODELARGS[@]}" stands for the README's model and pricing arguments.
const modelArgs =
  '--model gpt-4o-mini-2024-07-18 --cost_input_direct_mtoken 0.150 --cost_input_cached_mtoken 0.075 ' +
  '--cost_input_batch_mtoken 0.075 --cost_output_direct_mtoken 0.600 --cost_output_batch_mtoken 0.300';

const seedCommandLines: Record<string, string> = {
  'demo help': '--help',
  'demo char_codes': '--task char_codes "${MODELARGS[@]}" --assumed_completion_ratio 0.25',
  'demo utterance_emotion': '--task utterance_emotion "${MODELARGS[@]}" --assumed_completion_ratio 0.35',
  A: '"${MODELARGS[@]}" --max_session_requests 0 --max_batch_requests 100 --max_unpushed_batches 1',
  B: '"${MODELARGS[@]}" --force_direct --direct_verbose always --max_session_requests 10 --dryrun',
  C: '"${MODELARGS[@]}" --force_direct --direct_verbose always --max_session_requests 10',
  D: '"${MODELARGS[@]}" --force_direct --direct_verbose warn --max_session_requests 100',
  E: '"${MODELARGS[@]}" --max_batch_requests 250 --max_session_requests 250',
  'F only process': '"${MODELARGS[@]}" --assumed_completion_ratio 0.35 --only_process',
  'F wipe': '--wipe_requests "${MODELARGS[@]}" --assumed_completion_ratio 0.35 --max_batch_cost 1.00 --max_session_cost 1.00',
  G: '--wipe_task --no_run "${MODELARGS[@]}" --assumed_completion_ratio 0.35',
  H: '"${MODELARGS[@]}" --assumed_completion_ratio 0.35 --max_remote_ktokens 5000',
  status: '"${MODELARGS[@]}" --assumed_completion_ratio 0.35 --max_remote_ktokens 5000 --no_run',
  'useful: dry run': '--dryrun',
  'useful: verbose direct': '--force_direct --direct_verbose always --max_session_requests 20',
  'useful: remote tokens': '--max_remote_ktokens 90 --max_batch_ktokens 90',
  'useful: batch requests': '--max_batch_requests 50',
  'useful: local batches only': '--max_remote_batches 0 --max_unpushed_batches 3',
  'useful: retries': '--max_retries 5',
  'useful: pass ratio': '--min_pass_ratio 0.8',
  'useful: failed batches': '--process_failed_batches 2',
  'useful: failed batches with fatal retries': '--process_failed_batches 2 --retry_fatal_requests',
  'useful: only process': '--only_process',
  'useful: reinit meta': '--reinit_meta',
  'useful: wipe requests': '--wipe_requests',
  'useful: wipe failed': '--wipe_failed',
  'useful: wipe task': '--wipe_task',
  'useful: wipe task without running': '--wipe_task --no_run',
};

function argvOf(commandLine: string): string[] {
  return commandLine.replace('"${MODELARGS[@]}"', modelArgs).split(/\s+/);
}

function resolveSeed(commandLine: string) {
  const parsed = parseFlags(argvOf(commandLine), optionDefs);
  assert.deepEqual(parsed.positionals, []);
  return { parsed, resolved: resolveOptions([{ source: 'command line', values: parsed.values }]) };
}

describe('seed command lines', () => {
  for (const [step, commandLine] of Object.entries(seedCommandLines)) {
    it(`parses and resolves ${step}: ${commandLine}`, () => {
      const { parsed, resolved } = resolveSeed(commandLine);
      const given = Object.keys(parsed.values);
      assert.deepEqual([...resolved.explicit].sort(), given.sort());
    });
  }

  it('shows help for --help', () => {
    assert.equal(resolveSeed(seedCommandLines['demo help'] ?? '').parsed.help, true);
  });

  it('applies the model pricing exactly', () => {
    const { requester, meta } = resolveSeed(seedCommandLines['C'] ?? '').resolved;
    assert.equal(meta.model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(
      [
        requester.cost_input_direct_mtoken,
        requester.cost_input_cached_mtoken,
        requester.cost_input_batch_mtoken,
        requester.cost_output_direct_mtoken,
        requester.cost_output_batch_mtoken,
      ],
      [0.15, 0.075, 0.075, 0.6, 0.3],
    );
    assert.equal(requester.force_direct, true);
    assert.equal(requester.direct_verbose, 'always');
    assert.equal(requester.max_session_requests, 10);
  });

  it('step H alone lowers the batch token limit to the remote one', () => {
    const { requester } = resolveSeed(seedCommandLines['H'] ?? '').resolved;
    assert.equal(requester.max_remote_ktokens, 5000);
    assert.equal(requester.max_batch_ktokens, 5000);
    assert.equal(deriveLimits(requester).max_batch_tokens, 4761905);
  });

  it('step G wipes the task without running it', () => {
    const { requester, taskManager } = resolveSeed(seedCommandLines['G'] ?? '').resolved;
    assert.equal(requester.wipe_task, true);
    assert.equal(taskManager.run, false);
  });
});
