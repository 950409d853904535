import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'libsql';
import { migrations, schemaVersion } from '../../../src/engine/db/schema';
import { TaskDb } from '../../../src/engine/db/taskDb';
import { samplesPage } from '../../../src/host/samplePages';
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

function indexes(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
  } finally {
    db.close();
  }
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
});
