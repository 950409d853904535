import assert from 'node:assert/strict';
import { EngineError } from '../../../src/shared/errors';
import { DelayedErrors } from '../../../src/engine/util/delayedErrors';

describe('DelayedErrors', () => {
  it('throws one aborted error listing each message with its count, sorted by message', () => {
    const errors = new DelayedErrors();
    errors.add('timeout', 'batch 2');
    errors.add('bad JSON', 'batch 1');
    errors.add('timeout', 'batch 1');
    assert.throws(
      () => errors.throwIfAny('Processing failed:'),
      (error: unknown) => EngineError.is(error, 'aborted') && error.message === 'Processing failed:\n  1 × bad JSON\n  2 × timeout',
    );
    assert.deepEqual([...errors.countsOf('batch 1')], [['bad JSON', 1], ['timeout', 1]]);
    assert.deepEqual(errors.sectionNames, ['batch 2', 'batch 1']);
  });

  it('does not throw when nothing was recorded', () => {
    const errors = new DelayedErrors();
    assert.doesNotThrow(() => errors.throwIfAny('header'));
    errors.add('x');
    errors.clear();
    assert.equal(errors.hasErrors, false);
  });
});
