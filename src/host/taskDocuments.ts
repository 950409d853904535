import { parseJsonColumn } from '../engine/db/json';
import type { TaskDb } from '../engine/db/taskDb';
import { InvalidInputError } from '../shared/errors';
import type { AttemptPart, DocumentRef } from '../shared/taskSnapshot';
import { parsedAnswer } from './answerPreview';
import type { TaskFiles } from './taskDbReads';

/** The JSON documents the editor opens read-only: the parts of an attempt, and a sample's stored state. */

type AttemptRow = { id: number; payload: string; meta: string | null; retry_num: number; tokens_cost: string | null; result: string | null; outcome: string | null; processed: number | null };

/** What the results table holds of an answer: the engine's ResultInfo without the request payload. */
interface StoredResult {
  resp_info: { payload: unknown } | null;
  err_info: unknown;
  warn_infos: unknown[];
  retry: boolean;
  retry_counts: boolean;
}

export function readTaskDocument(db: TaskDb, task: TaskFiles, ref: DocumentRef): unknown {
  if (ref.kind === 'sample') return sampleDocument(db, task, ref.key);
  const row = db.get<AttemptRow>(
    `SELECT r.id, r.payload, r.meta, r.retry_num, r.tokens_cost, s.result, s.outcome, s.processed FROM requests r LEFT JOIN results s ON s.request_id = r.id WHERE r.id = ?`,
    ref.requestId,
  );
  if (row === undefined) throw new InvalidInputError(`Task '${task.name}' has no request ${ref.requestId}; it was wiped since the tree was read, so refresh the tree`);
  return attemptDocument(db, row, ref.part);
}

function attemptDocument(db: TaskDb, row: AttemptRow, part: AttemptPart): unknown {
  const parse = (what: string, text: string | null) => (text === null ? null : parseJsonColumn(db.file, `the ${what} of request ${row.id}`, text));
  const result = parse('result', row.result) as StoredResult | null;
  switch (part) {
    case 'request':
      return {
        custom_id: `id-${row.id}`,
        body: parse('payload', row.payload),
        info: { meta: parse('meta', row.meta), retry_num: row.retry_num, tokens_cost: parse('tokens_cost', row.tokens_cost) },
      };
    case 'response':
      if (result === null) return { answered: false, note: 'No answer yet: the request is queued or its batch is not processed.' };
      return result.resp_info === null ? { error: result.err_info } : result.resp_info.payload;
    case 'parsed': {
      if (result === null) return { answered: false, note: 'No answer yet: the request is queued or its batch is not processed.' };
      const { summary, parsed, refusal } = parsedAnswer(result.resp_info?.payload);
      return {
        ...(summary === undefined ? {} : { summary }),
        outcome: row.processed === 0 ? 'answered, not processed yet' : row.outcome,
        parsed,
        ...(refusal === undefined ? {} : { refusal }),
        error: result.err_info,
        warnings: result.warn_infos,
        retry: result.retry,
        retry_counts: result.retry_counts,
      };
    }
  }
}

function sampleDocument(db: TaskDb, task: TaskFiles, key: string): unknown {
  const row = db.get<{ committed: string | null; succeeded: string | null; failed: string | null }>('SELECT committed, succeeded, failed FROM samples WHERE key = ?', key);
  if (row === undefined) throw new InvalidInputError(`Task '${task.name}' has no sample '${key}'`);
  const parse = (column: 'committed' | 'succeeded' | 'failed') => {
    const text = row[column];
    return text === null ? undefined : parseJsonColumn(db.file, `the ${column} state of sample '${key}'`, text);
  };
  return { sample_key: key, committed: parse('committed'), succeeded: parse('succeeded'), failed: parse('failed') };
}
