import { parseJsonColumn } from '../engine/db/json';
import type { TaskDb } from '../engine/db/taskDb';
import type { SampleCounts } from '../engine/taskManager/taskState';
import type { FoundSample, Page, SampleFilter, SampleGroup, SampleItem } from '../shared/taskSnapshot';
import { promptText } from './answerPreview';
import { requestIdCursor } from './attemptPages';
import { keysetPage } from './keysetPage';

/**
 * Pages of samples: by state in key order, or by filter in the order of their first matching attempt. Every
 * condition here is the one of a partial index of engine/db/schema.ts, word for word, so a page reads only its rows.
 */

const stateConditions = {
  succeeded: 'succeeded IS NOT NULL',
  failed: 'failed IS NOT NULL',
  pending: 'committed IS NOT NULL AND succeeded IS NULL AND failed IS NULL',
} as const;

/** A filter: the attempts it selects, as a condition on the request (`r`) or on its result (`s`). */
interface FilterQuery {
  on: 'requests' | 'results';
  condition: (r: string, s: string) => string;
}

/** The sample filters' conditions; each is the condition of its partial index (results_refused, …), word for word. */
export const filterQueries: Record<SampleFilter, FilterQuery> = {
  retried: { on: 'requests', condition: (r) => `${r}.retry_num > 0` },
  // The engine flags cut short and refused answers as it stores them (engine/db/storedResult.ts).
  cutShort: { on: 'results', condition: (_r, s) => `${s}.cut_short = 1` },
  refused: { on: 'results', condition: (_r, s) => `${s}.refused = 1` },
  errored: { on: 'results', condition: (_r, s) => `${s}.outcome IN ('failed', 'retried')` },
};

/**
 * The conditions of a database no run has upgraded to schema 6 yet, which has no flag columns: those of its indexes
 * (schema 5; a schema 2 to 4 database reads them without an index).
 */
const unflaggedFilterQueries: Record<SampleFilter, FilterQuery> = {
  ...filterQueries,
  // Chat completions' finish reasons, Anthropic's stop reasons (`max_tokens`) and incomplete Responses answers.
  cutShort: { on: 'results', condition: (_r, s) => `(${s}.finish_reason IN ('length', 'content_filter', 'max_tokens') OR json_extract(${s}.result, '$.resp_info.payload.status') = 'incomplete')` },
  // A chat completion's refusal message, Anthropic's stop reason `refusal`, a Responses refusal part.
  refused: {
    on: 'results',
    condition: (_r, s) =>
      `(json_extract(${s}.result, '$.resp_info.payload.choices[0].message.refusal') IS NOT NULL OR ${s}.finish_reason = 'refusal' OR instr(json_extract(${s}.result, '$.resp_info.payload.output'), '"type":"refusal"') > 0)`,
  },
};

/** The first schema whose results carry the cut short and refused flags. */
const flaggedSchema = 6;

function filterQuery(db: TaskDb, filter: SampleFilter): FilterQuery {
  return (db.schemaVersion >= flaggedSchema ? filterQueries : unflaggedFilterQueries)[filter];
}

/** The first request's meta of a sample, as a column of a query over `samples` or `requests` rows named `keyColumn`. */
const firstMeta = (keyColumn: string) => `(SELECT m.meta FROM requests m WHERE m.sample_key = ${keyColumn} ORDER BY m.id LIMIT 1) AS meta`;

export function samplesPage(db: TaskDb, group: SampleGroup, after: string | undefined, limit: number): Page {
  if (group === 'succeeded' || group === 'failed' || group === 'pending') return stateSamplesPage(db, group, after, limit);
  return filteredSamplesPage(db, group, after, limit);
}

function stateSamplesPage(db: TaskDb, state: keyof typeof stateConditions, after: string | undefined, limit: number): Page {
  const where = stateConditions[state];
  const rows = db.all<{ key: string; meta: string | null }>(
    `SELECT key, ${firstMeta('samples.key')} FROM samples WHERE ${where} AND key > ? ORDER BY key LIMIT ?`,
    after ?? '',
    limit + 1,
  );
  return keysetPage(stateCount(db, state), rows, limit, (row) => sampleItem(db, row.key, row.meta), (row) => row.key);
}

/** The size of a state, from the counts the engine keeps with every unit (counting a million index rows is slow). */
function stateCount(db: TaskDb, state: keyof typeof stateConditions): number {
  const row = db.get<{ sample_counts: string }>('SELECT sample_counts FROM task');
  if (row === undefined) return 0;
  const counts = parseJsonColumn(db.file, 'task.sample_counts', row.sample_counts) as SampleCounts;
  if (state === 'pending') return counts.pending;
  return counts[state] + counts.mixed;
}

/** Matching samples a filter counts at most; beyond, its page says "at least this many" (counting all is O(matches)). */
export const filterCountCap = 10_000;

function filteredSamplesPage(db: TaskDb, filter: SampleFilter, after: string | undefined, limit: number): Page {
  const { on, condition } = filterQuery(db, filter);
  // CROSS JOIN keeps SQLite reading the results first, through the filter's partial index.
  const from = (r: string, s: string, join: string) => (on === 'requests' ? `requests ${r}` : `results ${s} ${join} requests ${r} ON ${r}.id = ${s}.request_id`);
  const order = on === 'requests' ? 'r.id' : 's.request_id';
  const counted =
    db.get<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT DISTINCT r.sample_key FROM ${from('r', 's', 'CROSS JOIN')} WHERE ${condition('r', 's')} AND r.sample_key IS NOT NULL LIMIT ?)`,
      filterCountCap + 1,
    )?.n ?? 0;
  // A sample is listed once, at its first matching attempt: later ones find an earlier match through requests_by_sample.
  const rows = db.all<{ id: number; key: string; meta: string | null }>(
    `SELECT r.id, r.sample_key AS key, ${firstMeta('r.sample_key')} FROM ${from('r', 's', 'CROSS JOIN')}
     WHERE ${condition('r', 's')} AND ${order} > ? AND r.sample_key IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ${from('r2', 's2', 'JOIN')} WHERE r2.sample_key = r.sample_key AND r2.id < r.id AND ${condition('r2', 's2')})
     ORDER BY ${order} LIMIT ?`,
    requestIdCursor(after),
    limit + 1,
  );
  const page = keysetPage(Math.min(counted, filterCountCap), rows, limit, (row) => sampleItem(db, row.key, row.meta), (row) => String(row.id));
  return counted > filterCountCap ? { ...page, totalAtLeast: true } : page;
}

/** Samples whose key starts with `prefix`, in key order, with their states; an exact match comes first. */
export function findSamples(db: TaskDb, prefix: string, limit: number): FoundSample[] {
  const rows = db.all<{ key: string; committed: number; succeeded: number; failed: number; meta: string | null }>(
    `SELECT key, committed IS NOT NULL AS committed, succeeded IS NOT NULL AS succeeded, failed IS NOT NULL AS failed, ${firstMeta('samples.key')}
     FROM samples WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`,
    prefix,
    // Above every key that starts with the prefix: keys compare as UTF-8 bytes, and U+10FFFF encodes highest.
    `${prefix}\u{10FFFF}`,
    limit,
  );
  return rows.map((row) => {
    const states: FoundSample['states'] = [];
    if (row.succeeded) states.push('succeeded');
    if (row.failed) states.push('failed');
    if (row.committed && !row.succeeded && !row.failed) states.push('pending');
    return { ...sampleItem(db, row.key, row.meta), states };
  });
}

/** A sample row: its key, and what its first request's meta says, else the input text of that request. */
function sampleItem(db: TaskDb, key: string, meta: string | null): SampleItem {
  const detail = (meta === null ? undefined : metaDetail(parseJsonColumn(db.file, `the meta of the first request of sample '${key}'`, meta))) ?? firstPromptText(db, key);
  return { kind: 'sample', key, ...(detail === undefined ? {} : { detail }) };
}

function firstPromptText(db: TaskDb, key: string): string | undefined {
  const payload = db.get<{ payload: string }>('SELECT payload FROM requests WHERE sample_key = ? ORDER BY id LIMIT 1', key)?.payload;
  return payload === undefined ? undefined : promptText(parseJsonColumn(db.file, `the payload of the first request of sample '${key}'`, payload));
}

/** The text values of a request's meta other than its sample key, joined; undefined when it has none. */
function metaDetail(meta: unknown): string | undefined {
  if (meta === null || typeof meta !== 'object') return undefined;
  const values = Object.entries(meta)
    .filter(([name, value]) => name !== 'sample_key' && (typeof value === 'string' || typeof value === 'number'))
    .map(([, value]) => String(value));
  return values.length === 0 ? undefined : values.join(' · ');
}
