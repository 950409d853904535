import { EngineError } from '../shared/errors';

/**
 * Process exit codes of `gpt-batch`. A run that stops normally, at a limit, or after a graceful Ctrl+C exits 0.
 */
export const exitCodes = {
  ok: 0,
  /** An unexpected error (a bug, or an environment failure such as a full disk). */
  unexpected: 1,
  /** Bad flags, task file, option values or input records, a missing API key, or a task directory that cannot be written. */
  invalidInput: 2,
  /** The task directory is locked by another process. */
  locked: 3,
  /** The engine aborted the run: failed batches, too many pass failures, corrupted state, unusable API answers. */
  aborted: 4,
} as const;

/** Maps an error that ended a command to its exit code. */
export function exitCodeFor(error: unknown): number {
  if (!EngineError.is(error)) return exitCodes.unexpected;
  switch (error.reason) {
    case 'invalidInput':
      return exitCodes.invalidInput;
    case 'locked':
      return exitCodes.locked;
    case 'interrupted':
      return exitCodes.ok;
    case 'aborted':
    case 'corruptedState':
    case 'api':
      return exitCodes.aborted;
  }
}
