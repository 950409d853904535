/**
 * Errors the engine raises on purpose. Each carries a `reason` that callers (the CLI's exit codes, the extension's
 * messages, the worker protocol) branch on; they never branch on message text.
 */
export type EngineErrorReason =
  /** Bad input from the user: flags, task file, option values. */
  | 'invalidInput'
  /** Another process holds the task lock. */
  | 'locked'
  /** A state file is missing, truncated, corrupted or inconsistent with another. */
  | 'corruptedState'
  /** The run was aborted by the engine's safety rules (failed batches, pass failures, too-strict limits). */
  | 'aborted'
  /** The run was interrupted (Ctrl+C, SIGTERM, Stop, abort signal) at a safe point. */
  | 'interrupted'
  /** The API answered with something the engine cannot use. */
  | 'api';

export class EngineError extends Error {
  override readonly name: string = 'EngineError';
  constructor(
    readonly reason: EngineErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True if `error` is an EngineError, optionally with the given reason. */
  static is(error: unknown, reason?: EngineErrorReason): error is EngineError {
    return error instanceof EngineError && (reason === undefined || error.reason === reason);
  }
}

/** Bad user input; the message names the file, the key or the flag. */
export class InvalidInputError extends EngineError {
  override readonly name: string = 'InvalidInputError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalidInput', message, options);
  }
}

/** The providers a run can need an API key for. */
export type KeyedProvider = 'openai' | 'anthropic';

/** A run needs an API key of `provider` and has none; the message says where to set one. */
export class MissingApiKeyError extends InvalidInputError {
  override readonly name = 'MissingApiKeyError';
  constructor(
    readonly provider: KeyedProvider,
    message: string,
  ) {
    super(message);
  }
}

/** A state file cannot be loaded; the message names the file and, when there is one, its backup. */
export class CorruptedStateError extends EngineError {
  override readonly name = 'CorruptedStateError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('corruptedState', message, options);
  }
}

/** The task directory is locked by another process. */
export class TaskLockedError extends EngineError {
  override readonly name = 'TaskLockedError';
  constructor(message: string) {
    super('locked', message);
  }
}

/** The run was interrupted at a safe point; everything up to the last finished unit of work is saved. */
export class InterruptedError extends EngineError {
  override readonly name = 'InterruptedError';
  constructor(message = 'Interrupted') {
    super('interrupted', message);
  }
}
