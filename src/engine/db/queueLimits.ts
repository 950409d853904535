import type { Transaction } from '../store/fileStore';
import type { TaskDb } from './taskDb';

/** The provider's enqueued-token limit for one model, as learned from a batch it rejected with `token_limit_exceeded`. */
export interface QueueLimit {
  model: string;
  enqueuedTokens: number;
  /** `stated`: the rejection named the limit; `inferred`: the tokens in flight when it was rejected. */
  source: 'stated' | 'inferred';
}

/** The learned queue limits of the task, by model. */
export function loadQueueLimits(db: TaskDb): Map<string, QueueLimit> {
  const rows = db.all<{ model: string; enqueued_tokens: number; source: 'stated' | 'inferred' }>('SELECT model, enqueued_tokens, source FROM queue_limits');
  return new Map(rows.map((row) => [row.model, { model: row.model, enqueuedTokens: row.enqueued_tokens, source: row.source }]));
}

/** Stages a learned limit, replacing what was known for its model; `now` in seconds. */
export function saveQueueLimit(tx: Transaction, limit: QueueLimit, now: number): void {
  tx.sql((db) =>
    db.run(
      'INSERT INTO queue_limits (model, enqueued_tokens, source, learned_at) VALUES (?, ?, ?, ?) ON CONFLICT (model) DO UPDATE SET enqueued_tokens = excluded.enqueued_tokens, source = excluded.source, learned_at = excluded.learned_at',
      limit.model,
      limit.enqueuedTokens,
      limit.source,
      now,
    ),
  );
}
