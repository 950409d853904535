/**
 * The task database's schema, as migrations: migration N turns a version N-1 database into version N. A database
 * records its version in `schema_version`; one written by a newer version is refused, never guessed at.
 *
 * JSON columns hold the engine's own records (see shared/requesterState.ts); columns beside them repeat what
 * readers filter, sort or count on, so that a query never parses JSON over millions of rows.
 */
const version1 = `
CREATE TABLE schema_version (version INTEGER NOT NULL);

-- The task: its identity (sent as batch metadata), its fixed meta and the task-level maps of the task state.
CREATE TABLE task (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  task_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  meta TEXT NOT NULL,
  committed_meta TEXT NOT NULL,
  responded_meta TEXT NOT NULL,
  -- Sample counts (committed, pending, succeeded, failed, mixed), kept current with every unit for readers.
  sample_counts TEXT NOT NULL
);

-- The requester's counters, push statistics and metrics (RequesterState without its batches).
CREATE TABLE requester (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state TEXT NOT NULL
);

-- Every batch: local (formed, not pushed), remote (pushed, not processed), processed; and direct virtual batches.
CREATE TABLE batches (
  kind TEXT NOT NULL CHECK (kind IN ('batch', 'direct')),
  id INTEGER NOT NULL,
  place TEXT NOT NULL CHECK (place IN ('local', 'remote', 'processed')),
  remote_batch_id TEXT,
  status TEXT NOT NULL,
  num_requests INTEGER NOT NULL,
  estimated_cost REAL NOT NULL,
  true_cost REAL,
  created_at INTEGER NOT NULL,
  -- The order in which batches were processed (1, 2, ...); null while active.
  processed_seq INTEGER,
  -- BatchState while active, HistoryEntry once processed.
  record TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX batches_by_place ON batches (place, kind, id);
CREATE INDEX batches_by_processing ON batches (processed_seq) WHERE processed_seq IS NOT NULL;

-- Every committed request (retries are new requests), with its payload; the queue is the requests in no batch.
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  batch_kind TEXT,
  batch_id INTEGER,
  sample_key TEXT,
  retry_num INTEGER NOT NULL,
  payload TEXT NOT NULL,
  meta TEXT,
  parse_info TEXT,
  input_tokens INTEGER NOT NULL,
  max_output_tokens INTEGER NOT NULL,
  size INTEGER NOT NULL,
  -- The estimate frozen when the request joined a batch (engine.md 2.3); null while queued.
  tokens_cost TEXT
);
CREATE INDEX requests_queue ON requests (id) WHERE batch_id IS NULL;
CREATE INDEX requests_by_batch ON requests (batch_kind, batch_id, id);
CREATE INDEX requests_by_sample ON requests (sample_key, id);

-- The outcome of each request that was answered: the raw response or error, usage and finish reason. A direct
-- answer is stored as soon as it arrives (processed = 0) and consumed when its virtual batch is processed.
CREATE TABLE results (
  request_id INTEGER PRIMARY KEY,
  processed INTEGER NOT NULL,
  outcome TEXT,
  finish_reason TEXT,
  usage TEXT,
  -- The whole ResultInfo handed to the task (request info, response, error, warnings, retry decision).
  result TEXT NOT NULL,
  answered_at INTEGER NOT NULL
);
CREATE INDEX results_unprocessed ON results (request_id) WHERE processed = 0;

-- The five maps of the task state, one row per sample key: a column is null when the key is not in that map.
CREATE TABLE samples (
  key TEXT PRIMARY KEY,
  committed TEXT,
  succeeded TEXT,
  failed TEXT
) WITHOUT ROWID;

-- The file changes of the last commit (batch input files, output files), applied after the commit; see FileStore.
CREATE TABLE file_journal (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  journal TEXT NOT NULL
);
`;

/**
 * Indexes for the editor's paged lists over large tasks (only indexes, so the migration is additive): samples by
 * state, and the attempts each sample filter selects, so a page of a 1M-sample task reads only its own rows.
 * The filter conditions are repeated word for word by host/samplePages.ts, which SQLite needs to use them.
 */
const version2 = `
CREATE INDEX samples_succeeded ON samples (key) WHERE succeeded IS NOT NULL;
CREATE INDEX samples_failed ON samples (key) WHERE failed IS NOT NULL;
CREATE INDEX samples_pending ON samples (key) WHERE committed IS NOT NULL AND succeeded IS NULL AND failed IS NULL;
CREATE INDEX requests_retried ON requests (id) WHERE retry_num > 0;
CREATE INDEX results_cut_short ON results (request_id) WHERE finish_reason IN ('length', 'content_filter');
CREATE INDEX results_refused ON results (request_id) WHERE json_extract(result, '$.resp_info.payload.choices[0].message.refusal') IS NOT NULL;
CREATE INDEX results_errored ON results (request_id) WHERE outcome IN ('failed', 'retried');
`;

// The provider's enqueued-token limit per model, learned from batches it rejected with token_limit_exceeded: stated
// when the rejection named it, inferred from the tokens in flight when it did not.
const version3 = `
CREATE TABLE queue_limits (
  model TEXT PRIMARY KEY,
  enqueued_tokens INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('stated', 'inferred')),
  learned_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

// The cost forecasts of pilots (see requester/pilot.ts), newest last: readers show the latest.
const version4 = `
CREATE TABLE pilot_forecasts (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  forecast TEXT NOT NULL
);
`;

/**
 * Two filter indexes of version 2 replaced, so that the filters find every endpoint's and provider's answers. Cut
 * short: also Anthropic's stop_reason `max_tokens` and an incomplete Responses answer (out of output tokens,
 * filtered). Refusals: also Anthropic's stop_reason `refusal` and a Responses refusal, a content part of type
 * `refusal` in an output message. An index condition cannot look into arrays, so the refusal part is found in the
 * output's JSON text, which SQLite writes minified: an unescaped `"type":"refusal"` occurs there only as a `type`
 * key of value `refusal`.
 */
const version5 = `
DROP INDEX IF EXISTS results_cut_short;
DROP INDEX IF EXISTS results_refused;
CREATE INDEX results_cut_short ON results (request_id) WHERE finish_reason IN ('length', 'content_filter', 'max_tokens') OR json_extract(result, '$.resp_info.payload.status') = 'incomplete';
CREATE INDEX results_refused ON results (request_id) WHERE json_extract(result, '$.resp_info.payload.choices[0].message.refusal') IS NOT NULL OR finish_reason = 'refusal' OR instr(json_extract(result, '$.resp_info.payload.output'), '"type":"refusal"') > 0;
`;

/**
 * Whether an answer was cut short or refused is decided by the engine as it stores the answer (see
 * db/storedResult.ts) instead of by the index conditions of version 5, which SQLite evaluated by parsing each
 * result's JSON three times per insert. The rows written before are flagged here by those conditions.
 */
const version6 = `
ALTER TABLE results ADD COLUMN cut_short INTEGER NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
UPDATE results SET cut_short = 1 WHERE finish_reason IN ('length', 'content_filter', 'max_tokens') OR json_extract(result, '$.resp_info.payload.status') = 'incomplete';
UPDATE results SET refused = 1 WHERE json_extract(result, '$.resp_info.payload.choices[0].message.refusal') IS NOT NULL OR finish_reason = 'refusal' OR instr(json_extract(result, '$.resp_info.payload.output'), '"type":"refusal"') > 0;
DROP INDEX IF EXISTS results_cut_short;
DROP INDEX IF EXISTS results_refused;
CREATE INDEX results_cut_short ON results (request_id) WHERE cut_short = 1;
CREATE INDEX results_refused ON results (request_id) WHERE refused = 1;
`;

export const migrations: readonly string[] = [version1, version2, version3, version4, version5, version6];
export const schemaVersion = migrations.length;
