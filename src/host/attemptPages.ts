import { parseJsonColumn } from '../engine/db/json';
import type { TaskDb } from '../engine/db/taskDb';
import { InvalidInputError } from '../shared/errors';
import type { Attempt, BatchPlace, Page } from '../shared/taskSnapshot';
import { promptText } from './answerPreview';
import { keysetPage } from './keysetPage';

/**
 * Pages of attempts (the requests of a batch, or the attempts of one sample), in request id order. Each page is a
 * keyset read (`id > cursor`) on an index, so the thousandth page of a batch costs what the first does.
 */

type AttemptRow = {
  id: number;
  sample_key: string | null;
  retry_num: number;
  batch_kind: string | null;
  batch_id: number | null;
  place: string | null;
  processed: number | null;
  outcome: string | null;
  finish_reason: string | null;
  payload: string;
};

const attemptColumns = `r.id, r.sample_key, r.retry_num, r.batch_kind, r.batch_id, b.place, s.processed, s.outcome, s.finish_reason, r.payload
  FROM requests r LEFT JOIN batches b ON b.kind = r.batch_kind AND b.id = r.batch_id LEFT JOIN results s ON s.request_id = r.id`;

/** The cursor of a page ordered by request id; anything else is refused with what was expected. */
export function requestIdCursor(after: string | undefined): number {
  if (after === undefined) return 0;
  if (!/^\d+$/.test(after)) throw new InvalidInputError(`Page cursor '${after}' is not a request id; ask for the first page without a cursor`);
  return Number(after);
}

/** The requests of a batch; `place` `direct` names a direct (virtual) batch. */
export function batchAttemptsPage(db: TaskDb, place: BatchPlace, batchId: number, after: string | undefined, limit: number): Page {
  const kind = place === 'direct' ? 'direct' : 'batch';
  const total = db.get<{ n: number }>('SELECT count(*) AS n FROM requests WHERE batch_kind = ? AND batch_id = ?', kind, batchId)?.n ?? 0;
  const rows = db.all<AttemptRow>(`SELECT ${attemptColumns} WHERE r.batch_kind = ? AND r.batch_id = ? AND r.id > ? ORDER BY r.id LIMIT ?`, kind, batchId, requestIdCursor(after), limit + 1);
  return keysetPage(total, rows, limit, (row) => toAttempt(db, row), (row) => String(row.id));
}

/** Every attempt of one sample, first to last. */
export function sampleAttemptsPage(db: TaskDb, key: string, after: string | undefined, limit: number): Page {
  const total = db.get<{ n: number }>('SELECT count(*) AS n FROM requests WHERE sample_key = ?', key)?.n ?? 0;
  const rows = db.all<AttemptRow>(`SELECT ${attemptColumns} WHERE r.sample_key = ? AND r.id > ? ORDER BY r.id LIMIT ?`, key, requestIdCursor(after), limit + 1);
  return keysetPage(total, rows, limit, (row) => toAttempt(db, row), (row) => String(row.id));
}

function toAttempt(db: TaskDb, row: AttemptRow): Attempt {
  const attempt: Attempt = { kind: 'attempt', requestId: row.id, retryNum: row.retry_num };
  const prompt = promptText(parseJsonColumn(db.file, `the payload of request ${row.id}`, row.payload));
  if (prompt !== undefined) attempt.prompt = prompt;
  if (row.sample_key !== null) attempt.sampleKey = row.sample_key;
  if (row.batch_id !== null) attempt.batch = { place: row.batch_kind === 'direct' ? 'direct' : placeOf(row.place), id: row.batch_id };
  if (row.processed === 0) attempt.outcome = 'answered';
  else if (row.outcome === 'succeeded' || row.outcome === 'failed' || row.outcome === 'retried') attempt.outcome = row.outcome;
  if (row.finish_reason !== null) attempt.finishReason = row.finish_reason;
  return attempt;
}

/** A batch row's place; a request whose batch row is gone (forgotten history) counts as processed. */
function placeOf(place: string | null): BatchPlace {
  return place === 'local' || place === 'remote' ? place : 'processed';
}
