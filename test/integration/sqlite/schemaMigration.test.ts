import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'libsql';
import { migrations, schemaVersion } from '../../../src/engine/db/schema';
import { TaskDb } from '../../../src/engine/db/taskDb';
import { filterQueries, samplesPage } from '../../../src/host/samplePages';
import { useTempDir } from '../../support/store/tempDir';

/** Writes a database as the first schema left it: its tables, one failed and one succeeded sample. */
function writeVersion1(file: string): void {
  const db = new Database(file);
  db.exec(migrations[0] as string);
  db.exec('INSERT INTO schema_version (version) VALUES (1)');
  db.exec(`INSERT INTO task VALUES (1, 'old', 0, '{}', '{}', '{}', '{"committed":2,"pending":0,"succeeded":1,"failed":1,"mixed":0}')`);
  db.exec(`INSERT INTO samples VALUES ('a', 'null', '{}', NULL), ('b', 'null', NULL, '{}')`);
  db.close();
}

/** What the engine stores of an answer of each endpoint and provider, and whether the filters should list it. */
const answers = [
  { key: 'chat-ok', finishReason: 'stop', payload: { object: 'chat.completion', choices: [{ index: 0, finish_reason: 'stop', message: { content: 'fine', refusal: null } }] } },
  { key: 'chat-refused', refused: true, finishReason: 'stop', payload: { object: 'chat.completion', choices: [{ index: 0, finish_reason: 'stop', message: { content: null, refusal: 'I cannot help' } }] } },
  { key: 'chat-cut', cut: true, finishReason: 'length', payload: { object: 'chat.completion', choices: [{ index: 0, finish_reason: 'length', message: { content: 'half' } }] } },
  { key: 'responses-ok', payload: { object: 'response', status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'type refusal: "type":"refusal"' }] }] } },
  {
    key: 'responses-refused',
    refused: true,
    payload: { object: 'response', status: 'completed', output: [{ type: 'reasoning', summary: [] }, { type: 'message', content: [{ type: 'refusal', refusal: 'I cannot help' }] }] },
  },
  { key: 'responses-cut', cut: true, payload: { object: 'response', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [] } },
  { key: 'anthropic-ok', finishReason: 'end_turn', payload: { type: 'message', stop_reason: 'end_turn', content: [{ type: 'text', text: 'fine' }] } },
  { key: 'anthropic-refused', refused: true, finishReason: 'refusal', payload: { type: 'message', stop_reason: 'refusal', content: [] } },
  { key: 'anthropic-cut', cut: true, finishReason: 'max_tokens', payload: { type: 'message', stop_reason: 'max_tokens', content: [{ type: 'text', text: 'half' }] } },
  { key: 'embedding', payload: { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.6, 0.8] }] } },
];

/** Writes a database as schema `version` (4 or 5) left it, with one succeeded sample per answer above. */
function writeAnswers(file: string, version: number): void {
  const db = new Database(file);
  for (const migration of migrations.slice(0, version)) db.exec(migration);
  db.exec(`INSERT INTO schema_version (version) VALUES (${version})`);
  db.exec(`INSERT INTO task VALUES (1, 'old', 0, '{}', '{}', '{}', '{"committed":${answers.length},"pending":0,"succeeded":${answers.length},"failed":0,"mixed":0}')`);
  answers.forEach((answer, i) => {
    db.prepare("INSERT INTO requests (id, batch_kind, batch_id, sample_key, retry_num, payload, input_tokens, max_output_tokens, size) VALUES (?, 'batch', 1, ?, 0, '{}', 1, 1, 1)").run(i + 1, answer.key);
    const result = { resp_info: { payload: answer.payload }, err_info: null, warn_infos: [], retry: false, retry_counts: true };
    db.prepare("INSERT INTO results (request_id, processed, outcome, finish_reason, usage, result, answered_at) VALUES (?, 1, 'succeeded', ?, NULL, ?, 0)").run(i + 1, answer.finishReason ?? null, JSON.stringify(result));
    db.prepare("INSERT INTO samples VALUES (?, 'null', '{}', NULL)").run(answer.key);
  });
  db.close();
}

function indexes(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
  } finally {
    db.close();
  }
}

/** The refusals and cut short filters list exactly the answers above that are refusals, cut short. */
function assertFilters(db: TaskDb): void {
  const keys = (filter: 'refused' | 'cutShort') => samplesPage(db, filter, undefined, 50).items.map((item) => (item.kind === 'sample' ? item.key : item.kind)).sort();
  assert.deepEqual(keys('refused'), answers.filter((a) => a.refused).map((a) => a.key).sort());
  assert.deepEqual(keys('cutShort'), answers.filter((a) => a.cut).map((a) => a.key).sort());
}

describe('task database schema migrations', () => {
  const tmp = useTempDir('schema-migration');

  it('upgrades a schema 1 database to the current schema with the indexes of the paged lists, keeping its rows', () => {
    const file = path.join(tmp.dir, 'task.db');
    writeVersion1(file);
    assert.ok(!indexes(file).includes('samples_failed'));
    TaskDb.openForWriting(file).close();
    assert.ok(['samples_succeeded', 'samples_failed', 'samples_pending', 'requests_retried', 'results_cut_short', 'results_refused', 'results_errored'].every((name) => indexes(file).includes(name)), indexes(file).join(', '));
    const db = TaskDb.openReadonly(file);
    assert.ok(db);
    try {
      assert.equal(db.get<{ version: number }>('SELECT version FROM schema_version')?.version, schemaVersion);
      assert.deepEqual(samplesPage(db, 'failed', undefined, 10).items, [{ kind: 'sample', key: 'b' }]);
    } finally {
      db.close();
    }
  });

  it('a reader still pages a schema 1 database that no run has upgraded yet', () => {
    const file = path.join(tmp.dir, 'task.db');
    writeVersion1(file);
    const db = TaskDb.openReadonly(file);
    assert.ok(db);
    try {
      assert.deepEqual(samplesPage(db, 'succeeded', undefined, 10), { total: 1, items: [{ kind: 'sample', key: 'a' }] });
      assert.deepEqual(samplesPage(db, 'errored', undefined, 10), { total: 0, items: [] });
    } finally {
      db.close();
    }
  });

  it('upgrades a schema 4 database so that the refusals and cut short filters list the answers of every endpoint and provider', () => {
    const file = path.join(tmp.dir, 'task.db');
    writeAnswers(file, 4);
    TaskDb.openForWriting(file).close();
    const db = TaskDb.openReadonly(file);
    assert.ok(db);
    try {
      assertFilters(db);
      // The page queries repeat the index conditions, so SQLite reads only the matching rows through them.
      for (const [filter, index] of [['refused', 'results_refused'], ['cutShort', 'results_cut_short']] as const) {
        const plan = db.all<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT s.request_id FROM results s WHERE ${filterQueries[filter].condition('r', 's')}`);
        assert.ok(plan.some((step) => step.detail.includes(`INDEX ${index}`)), `the ${filter} condition does not use ${index}: ${plan.map((step) => step.detail).join('; ')}`);
      }
    } finally {
      db.close();
    }
  });

  it('upgrades a schema 5 database by flagging its refused and cut short answers, which a reader of it lists before and after', () => {
    const file = path.join(tmp.dir, 'task.db');
    writeAnswers(file, 5);
    const before = TaskDb.openReadonly(file);
    assert.ok(before);
    try {
      assert.equal(before.schemaVersion, 5);
      assertFilters(before);
    } finally {
      before.close();
    }
    TaskDb.openForWriting(file).close();
    const db = TaskDb.openReadonly(file);
    assert.ok(db);
    try {
      assert.equal(db.schemaVersion, schemaVersion);
      assertFilters(db);
      const flagged = db.all<{ request_id: number; cut_short: number; refused: number }>('SELECT request_id, cut_short, refused FROM results ORDER BY request_id');
      assert.deepEqual(
        flagged.map((row) => [row.cut_short === 1, row.refused === 1]),
        answers.map((a) => [a.cut === true, a.refused === true]),
      );
    } finally {
      db.close();
    }
  });
});
