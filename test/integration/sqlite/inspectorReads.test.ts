import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batchAttemptsPage, sampleAttemptsPage } from '../../../src/host/attemptPages';
import { filterCountCap, findSamples, samplesPage } from '../../../src/host/samplePages';
import { withStartedTaskDb } from '../../../src/host/taskDbReads';
import { readTaskDocument } from '../../../src/host/taskDocuments';
import type { TaskDb } from '../../../src/engine/db/taskDb';
import { InvalidInputError } from '../../../src/shared/errors';
import type { Page, SampleGroup } from '../../../src/shared/taskSnapshot';
import { type InspectedTaskShape, sampleKey, writeInspectedTaskDb } from '../../support/store/inspectedTaskDb';
import { useTempDir } from '../../support/store/tempDir';

const shape: InspectedTaskShape = { samples: 1000, batchSize: 100, failEvery: 10, cutEvery: 7, refuseEvery: 11 };
const all = Array.from({ length: shape.samples }, (_, i) => i);
const keysWhere = (keep: (i: number) => boolean) => all.filter(keep).map(sampleKey);
const failed = (i: number) => i % shape.failEvery === 0;

/** Every key of a sample list, read page by page through the cursors. */
function allKeys(db: TaskDb, group: SampleGroup, limit: number): { keys: string[]; total: number; pages: number } {
  const keys: string[] = [];
  let page: Page | undefined;
  let pages = 0;
  do {
    page = samplesPage(db, group, page?.next, limit);
    pages += 1;
    for (const item of page.items) keys.push(item.kind === 'sample' ? item.key : `not a sample: ${JSON.stringify(item)}`);
  } while (page.next !== undefined);
  return { keys, total: page.total, pages };
}

describe('reads of the inspector (pages, attempts, documents, Find Sample) on a task database', function () {
  this.timeout(60_000);
  const tmp = useTempDir('inspector-reads');
  const read = <T>(body: (db: TaskDb) => T): T => withStartedTaskDb({ name: 'inspected', taskDir: tmp.dir, prefix: 'inspected' }, body);
  beforeEach(() => writeInspectedTaskDb(tmp.dir, shape));

  it('pages through a sample state in key order, each sample once, with the total of the whole list', () => {
    read((db) => {
      const succeeded = allKeys(db, 'succeeded', 64);
      assert.deepEqual(succeeded.keys, keysWhere((i) => !failed(i)));
      assert.equal(succeeded.total, 900);
      assert.equal(succeeded.pages, Math.ceil(900 / 64));
      assert.deepEqual(allKeys(db, 'failed', 30).keys, keysWhere(failed));
      assert.deepEqual(allKeys(db, 'pending', 30), { keys: [], total: 0, pages: 1 });
    });
  });

  it('each filter lists exactly the samples whose attempts match it, once each, even with two matching attempts', () => {
    read((db) => {
      assert.deepEqual(allKeys(db, 'retried', 16), { keys: keysWhere(failed), total: 100, pages: 7 });
      // Both attempts of a failed sample errored; the sample is listed once.
      assert.deepEqual(allKeys(db, 'errored', 16).keys, keysWhere(failed));
      assert.deepEqual(allKeys(db, 'cutShort', 16).keys, keysWhere((i) => i % shape.cutEvery === 0 && !failed(i)));
      assert.deepEqual(allKeys(db, 'refused', 16).keys, keysWhere((i) => i % shape.refuseEvery === 0 && !failed(i)));
    });
  });

  it("a sample's row carries its meta text, which the key was cut from", () => {
    read((db) => {
      const [first] = samplesPage(db, 'succeeded', undefined, 1).items;
      assert.deepEqual(first, { kind: 'sample', key: sampleKey(1), detail: 'Sample number 1, whose text is longer than thirty characters' });
    });
  });

  it('lists the attempts of a sample and the requests of a processed batch, with where they were sent and what they got', () => {
    read((db) => {
      const attempts = sampleAttemptsPage(db, sampleKey(20), undefined, 10);
      const prompt = 'Sample number 20, whose text is longer than thirty characters';
      assert.equal(attempts.total, 2);
      assert.deepEqual(attempts.items, [
        { kind: 'attempt', requestId: 21, sampleKey: sampleKey(20), prompt, retryNum: 0, batch: { place: 'processed', id: 1 }, outcome: 'retried', finishReason: 'stop' },
        { kind: 'attempt', requestId: 1001 + 2, sampleKey: sampleKey(20), prompt, retryNum: 1, batch: { place: 'processed', id: 11 }, outcome: 'failed', finishReason: 'stop' },
      ]);
      const firstPage = batchAttemptsPage(db, 'processed', 2, undefined, 60);
      const secondPage = batchAttemptsPage(db, 'processed', 2, firstPage.next, 60);
      assert.equal(firstPage.total, 100);
      const ids = [...firstPage.items, ...secondPage.items].map((item) => (item.kind === 'attempt' ? item.requestId : -1));
      assert.deepEqual(ids, Array.from({ length: 100 }, (_, i) => 101 + i));
      assert.equal(secondPage.next, undefined);
    });
  });

  it("opens an attempt's request, raw response and parsed result, and a refusal as what it is", () => {
    read((db) => {
      const files = { name: 'inspected', taskDir: tmp.dir, prefix: 'inspected' };
      const request = readTaskDocument(db, files, { kind: 'attempt', requestId: 2, part: 'request' }) as { custom_id: string; body: { model: string } };
      assert.equal(request.custom_id, 'id-2');
      assert.equal(request.body.model, 'gpt-4o-mini');
      const response = readTaskDocument(db, files, { kind: 'attempt', requestId: 2, part: 'response' }) as { choices: { finish_reason: string }[] };
      assert.equal(response.choices[0]?.finish_reason, 'stop');
      assert.deepEqual((readTaskDocument(db, files, { kind: 'attempt', requestId: 2, part: 'parsed' }) as { parsed: unknown }).parsed, { n: 2 });
      const refused = readTaskDocument(db, files, { kind: 'attempt', requestId: 12, part: 'parsed' }) as { parsed: unknown; refusal: unknown };
      assert.deepEqual(refused.refusal, ['I cannot help with that']);
      const retried = readTaskDocument(db, files, { kind: 'attempt', requestId: 1, part: 'parsed' }) as { outcome: string; error: { msg: string } };
      assert.equal(retried.outcome, 'retried');
      assert.equal(retried.error.msg, 'bad answer');
      assert.throws(() => readTaskDocument(db, files, { kind: 'attempt', requestId: 99_999, part: 'request' }), (error: unknown) => error instanceof InvalidInputError && /no request 99999.*refresh the tree/.test(error.message));
    });
  });

  it('finds samples by the start of their key, in key order, with their states', () => {
    read((db) => {
      const found = findSamples(db, 's0000002', 50);
      assert.deepEqual(
        found.map((sample) => sample.key),
        keysWhere((i) => sampleKey(i).startsWith('s0000002')),
      );
      assert.deepEqual(found.find((sample) => sample.key === sampleKey(20))?.states, ['failed']);
      assert.deepEqual(found.find((sample) => sample.key === sampleKey(21))?.states, ['succeeded']);
      assert.deepEqual(findSamples(db, 'nope', 50), []);
    });
  });

  it('refuses a cursor that is not one it gave', () => {
    read((db) => {
      assert.throws(() => samplesPage(db, 'retried', 'abc', 10), (error: unknown) => error instanceof InvalidInputError && /cursor 'abc'.*first page/.test(error.message));
    });
  });
});

describe('the count of a large filter', function () {
  this.timeout(60_000);

  it('a filter stops counting past 10,000 samples and says the total is a lower bound', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inspector-count-'));
    try {
      writeInspectedTaskDb(dir, { samples: 21_000, batchSize: 1000, failEvery: 2, cutEvery: 7, refuseEvery: 11 });
      withStartedTaskDb({ name: 'counted', taskDir: dir, prefix: 'counted' }, (db) => {
      const page = samplesPage(db, 'errored', undefined, 50);
      assert.equal(page.total, filterCountCap);
      assert.equal(page.totalAtLeast, true);
      assert.equal(page.items.length, 50);
      assert.equal(samplesPage(db, 'cutShort', undefined, 50).totalAtLeast, undefined);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
