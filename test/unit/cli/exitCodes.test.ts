import assert from 'node:assert/strict';
import { exitCodeFor, exitCodes } from '../../../src/cli/exitCodes';
import { CorruptedStateError, EngineError, InterruptedError, InvalidInputError, TaskLockedError } from '../../../src/shared/errors';

describe('exit codes', () => {
  it('gives bad input, a locked task and an aborted run distinct non-zero codes', () => {
    const codes: number[] = [
      exitCodeFor(new InvalidInputError('bad flag')),
      exitCodeFor(new TaskLockedError('locked')),
      exitCodeFor(new EngineError('aborted', 'failed batches')),
    ];
    assert.deepEqual(codes, [exitCodes.invalidInput, exitCodes.locked, exitCodes.aborted]);
    assert.equal(new Set(codes).size, 3);
    assert.ok(codes.every((code) => code > exitCodes.ok));
  });

  it('treats a graceful interrupt as a normal end and corrupted state as an abort', () => {
    assert.equal(exitCodeFor(new InterruptedError()), exitCodes.ok);
    assert.equal(exitCodeFor(new CorruptedStateError('/x/state.json', 'truncated')), exitCodes.aborted);
  });

  it('reports errors that are not engine errors as unexpected', () => {
    assert.equal(exitCodeFor(new Error('boom')), exitCodes.unexpected);
  });
});
