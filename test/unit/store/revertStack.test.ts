import assert from 'node:assert/strict';
import { revertErrorsOf, withRevertStack } from '../../../src/engine/store/revertStack';
import { PlannedFailure } from '../../support/store/tempDir';

describe('RevertStack', () => {
  it('runs only the always actions, last first, when the unit succeeds', async () => {
    const ran: string[] = [];
    const result = await withRevertStack(async (rs) => {
      rs.onRevert(() => void ran.push('undo 1'));
      rs.always(() => void ran.push('always 1'));
      rs.onRevert(() => void ran.push('undo 2'));
      rs.always(async () => void ran.push('always 2'));
      return 42;
    });
    assert.equal(result, 42);
    assert.deepEqual(ran, ['always 2', 'always 1']);
  });

  it('runs every action, last first and interleaved, and rethrows the original error when the unit fails', async () => {
    const ran: string[] = [];
    const failure = new PlannedFailure();
    await assert.rejects(
      withRevertStack(async (rs) => {
        rs.onRevert(() => void ran.push('undo 1'));
        rs.always(() => void ran.push('always 1'));
        rs.onRevert(async () => void ran.push('undo 2'));
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.deepEqual(ran, ['undo 2', 'always 1', 'undo 1']);
  });

  it('keeps the original error when undo actions throw, runs the remaining ones and attaches their errors', async () => {
    const ran: string[] = [];
    const failure = new PlannedFailure();
    const undoError = new Error('undo failed');
    const logged: unknown[] = [];
    await assert.rejects(
      withRevertStack(
        async (rs) => {
          rs.onRevert(() => void ran.push('undo 1'));
          rs.onRevert(() => {
            throw undoError;
          });
          throw failure;
        },
        (error) => logged.push(error),
      ),
      (error) => error === failure,
    );
    assert.deepEqual(ran, ['undo 1']);
    assert.deepEqual(revertErrorsOf(failure), [undoError]);
    assert.deepEqual(logged, [undoError]);
    assert.ok(failure.cause instanceof AggregateError);
    assert.deepEqual(failure.cause.errors, [undoError]);
  });

  it('reports a failing clean-up action after a successful body, after running the others', async () => {
    const ran: string[] = [];
    const cleanupError = new Error('cannot delete backup');
    await assert.rejects(
      withRevertStack(async (rs) => {
        rs.always(() => void ran.push('always 1'));
        rs.always(() => {
          throw cleanupError;
        });
      }),
      (error) => error === cleanupError,
    );
    assert.deepEqual(ran, ['always 1']);
  });
});
