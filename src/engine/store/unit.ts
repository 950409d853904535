import type { FileStore, Transaction } from './fileStore';
import type { InterruptGate } from './interrupts';
import { withRevertStack, type RevertStack } from './revertStack';

export interface UnitContext {
  /** Register in-memory undos here; they run if the body or the commit fails. */
  rs: RevertStack;
  /** Stage the unit's file changes here; they are committed together when the body returns. */
  tx: Transaction;
}

/** One all-or-nothing unit: body registers in-memory undos on rs and stages file writes on tx; the files are
 *  committed at the end, and then the store's live feed reports the new state; if body or the commit throws, tx is
 *  discarded and every undo runs. Interrupts are deferred until the unit has finished or been rolled back. */
export function runUnit<T>(store: FileStore, gate: InterruptGate, body: (unit: UnitContext) => Promise<T>): Promise<T> {
  return gate.defer(() =>
    withRevertStack(async (rs) => {
      const tx = store.transaction();
      rs.onRevert(() => tx.discard());
      const result = await body({ rs, tx });
      await tx.commit();
      store.live?.changed();
      return result;
    }),
  );
}
