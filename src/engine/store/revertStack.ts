/** An undo (or clean-up) action registered on a {@link RevertStack}. */
export type RevertAction = () => void | Promise<void>;

interface Entry {
  action: RevertAction;
  onlyOnRevert: boolean;
}

/** Collects the undo and clean-up actions of one all-or-nothing unit of work. Create one with {@link withRevertStack}. */
export class RevertStack {
  private readonly entries: Entry[] = [];

  /** Registers an action that runs only if the unit fails. */
  onRevert(action: RevertAction): void {
    this.entries.push({ action, onlyOnRevert: true });
  }

  /** Registers an action that runs when the unit ends, whether it succeeded or failed. */
  always(action: RevertAction): void {
    this.entries.push({ action, onlyOnRevert: false });
  }

  /** Runs the registered actions last-first (all of them if `failed`, else only the `always` ones) and returns the
   *  errors they threw; every action runs even if an earlier one threw. */
  async unwind(failed: boolean): Promise<unknown[]> {
    const errors: unknown[] = [];
    const entries = this.entries.splice(0).reverse();
    for (const entry of entries) {
      if (entry.onlyOnRevert && !failed) continue;
      try {
        await entry.action();
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}

const revertErrorsByError = new WeakMap<object, unknown[]>();

/** The errors that revert actions threw while unwinding after `error` (empty if none or not such an error). */
export function revertErrorsOf(error: unknown): unknown[] {
  return (typeof error === 'object' && error !== null && revertErrorsByError.get(error)) || [];
}

/**
 * Runs body with a fresh stack. On success runs only the `always` actions (LIFO); if one of them throws, that error
 * (or an AggregateError of several) is thrown after all of them ran. On a throw runs all actions LIFO (interleaved
 * in registration order) and rethrows the ORIGINAL error; errors thrown by actions while unwinding never replace
 * it: they are available through {@link revertErrorsOf}, set as its `cause` (an AggregateError) when it has none,
 * and logged through `onUnwindError` when given.
 */
export async function withRevertStack<T>(
  body: (rs: RevertStack) => Promise<T>,
  onUnwindError?: (error: unknown) => void,
): Promise<T> {
  const rs = new RevertStack();
  let result: T;
  try {
    result = await body(rs);
  } catch (error) {
    const unwindErrors = await rs.unwind(true);
    if (unwindErrors.length > 0) attachUnwindErrors(error, unwindErrors, onUnwindError);
    throw error;
  }
  const cleanupErrors = await rs.unwind(false);
  if (cleanupErrors.length === 1) throw cleanupErrors[0];
  if (cleanupErrors.length > 1) throw new AggregateError(cleanupErrors, `${cleanupErrors.length} clean-up actions failed`);
  return result;
}

function attachUnwindErrors(error: unknown, unwindErrors: unknown[], onUnwindError?: (error: unknown) => void): void {
  for (const unwindError of unwindErrors) onUnwindError?.(unwindError);
  if (typeof error !== 'object' || error === null) return;
  revertErrorsByError.set(error, unwindErrors);
  if (error instanceof Error && error.cause === undefined) {
    error.cause = new AggregateError(unwindErrors, `${unwindErrors.length} revert action(s) failed while unwinding`);
  }
}
