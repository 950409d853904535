import assert from 'node:assert/strict';
import { parseSimArgs } from '../../../src/cli/sim';
import { EngineError } from '../../../src/shared/errors';

describe('gpt-batch sim flags', () => {
  it('map snake_case flags to simulator options and faults', () => {
    const options = parseSimArgs(['--port', '8123', '--batch_seconds', '0.5', '--state_dir', '/tmp/x', '--line_error_rate', '0.1', '--line_error_status', '429', '--requests_per_minute', '60']);
    assert.deepEqual(options, { port: 8123, batchSeconds: 0.5, stateDir: '/tmp/x', faults: { lineErrorRate: 0.1, lineErrorStatus: 429, requestsPerMinute: 60 } });
  });

  it('read per-model enqueued-token limits as MODEL=TOKENS entries', () => {
    assert.deepEqual(parseSimArgs(['--model_enqueued_token_limit', 'gpt-4o-mini=2000000, gpt-4o=90000', '--enqueued_token_limit', '500']), {
      enqueuedTokenLimits: { 'gpt-4o-mini': 2_000_000, 'gpt-4o': 90_000 },
      faults: { enqueuedTokenLimit: 500 },
    });
  });

  it('take the period of the rate limits in seconds, more than 0', () => {
    assert.deepEqual(parseSimArgs(['--requests_per_minute', '100', '--rate_limit_period_seconds', '1']), { faults: { requestsPerMinute: 100, rateLimitPeriodSeconds: 1 } });
    assert.throws(() => parseSimArgs(['--rate_limit_period_seconds', '0']), /--rate_limit_period_seconds must be a number of seconds > 0/);
  });

  it('return nothing for --help', () => {
    assert.equal(parseSimArgs(['--help']), undefined);
  });

  it('reject bad values and unknown flags with an invalid-input error naming the flag', () => {
    for (const [argv, flag] of [
      [['--port', 'eighty'], '--port'],
      [['--server_error_rate', '1.5'], '--server_error_rate'],
      [['--line_error_status', '404'], '--line_error_status'],
      [['--batch_seconds', '0'], '--batch_seconds'],
      [['--nonsense', '1'], '--nonsense'],
      [['--model_enqueued_token_limit', 'gpt-4o=lots'], '--model_enqueued_token_limit'],
      [['--model_enqueued_token_limit', '=5'], '--model_enqueued_token_limit'],
    ] as const) {
      assert.throws(() => parseSimArgs([...argv]), (error: unknown) => EngineError.is(error, 'invalidInput') && error.message.includes(flag), flag);
    }
  });
});
