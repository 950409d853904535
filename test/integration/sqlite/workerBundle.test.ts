import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Channel } from '../../../src/protocol/channel';

const dist = path.resolve(__dirname, '../../../dist');
const workerBundle = path.join(dist, 'worker.js');
/** Where the build copies libsql and its native addon, the copy the packaged extension loads. */
const distNodeModules = path.join(dist, 'node_modules');

describe('libsql in the built bundles', function () {
  this.timeout(60_000);

  before(function () {
    if (!fs.existsSync(workerBundle)) throw new Error(`${workerBundle} is missing: run npm run build first`);
    assert.ok(fs.existsSync(path.join(distNodeModules, 'libsql/package.json')), 'libsql is not copied into dist/node_modules');
  });

  it('dist/worker.js in a worker thread opens a database with the libsql copied into dist/node_modules', async () => {
    const worker = new Worker(workerBundle);
    const channel = new Channel(worker, { onError: (error) => assert.fail(error) });
    try {
      const { sqlite, threadId } = await channel.request('engine/ping', {}, { timeoutMs: 50_000 });
      assert.notEqual(threadId, 0);
      assert.ok('version' in sqlite, `the worker cannot open SQLite: ${'error' in sqlite ? sqlite.error : ''}`);
      assert.match(sqlite.version, /^3\.\d+\.\d+$/);
      assert.ok(sqlite.addon.startsWith(path.join(distNodeModules, '@libsql') + path.sep), `libsql's addon came from ${sqlite.addon}`);
      assert.ok(fs.existsSync(sqlite.addon));
    } finally {
      channel.close();
      await worker.terminate();
    }
  });

  it('libsql resolves and opens a database from dist/cli.js, as the CLI bundle requires it', () => {
    // `require('libsql')` in dist/cli.js is resolved by Node relative to the bundle; createRequire reproduces that.
    const script = `
      const Database = require('node:module').createRequire(${JSON.stringify(path.join(dist, 'cli.js'))})('libsql');
      const db = new Database(':memory:');
      process.stdout.write(db.prepare('select sqlite_version()').raw().get()[0]);
      db.close();`;
    const version = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.match(version, /^3\.\d+\.\d+$/);
  });

  it('no bundle inlines libsql: each leaves it to require() at run time', () => {
    for (const bundle of ['extension.js', 'worker.js', 'cli.js']) {
      const text = fs.readFileSync(path.join(dist, bundle), 'utf8');
      assert.doesNotMatch(text, /databaseOpenWithSync|@neon-rs\/load/, `${bundle} contains libsql's own code`);
    }
  });
});
