import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../src/shared/errors';
import { readInputRecords } from '../../../src/host/templateInput';
import { useTempDir } from '../../support/store/tempDir';

describe('Template input records', () => {
  const tmp = useTempDir('template-input');
  const write = (name: string, text: string) => {
    const file = path.join(tmp.dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads a CSV saved with a UTF-8 byte-order mark (Excel "CSV UTF-8")', async () => {
    const file = write('people.csv', '\uFEFFid,name\r\n1,Ana\r\n2,Bo\r\n');
    const records = await readInputRecords(file, 'id');
    assert.deepEqual(
      records.map((r) => r.record),
      [
        { id: '1', name: 'Ana' },
        { id: '2', name: 'Bo' },
      ],
    );
  });

  it('reads JSON and JSONL files that start with a byte-order mark', async () => {
    assert.equal((await readInputRecords(write('a.json', '\uFEFF[{"id":"x"}]'), 'id')).length, 1);
    assert.equal((await readInputRecords(write('a.jsonl', '\uFEFF{"id":"x"}\n'), 'id')).length, 1);
  });

  it('names the line of a bad CSV record, counting the lines of quoted newlines before it', async () => {
    const file = write('notes.csv', 'id,note\n1,"first line\nsecond line"\n,"no key"\n');
    await assert.rejects(readInputRecords(file, 'id'), (error: unknown) => EngineError.is(error, 'invalidInput') && error.message === `${file}: line 4 has no key field 'id'`);
  });

  it('names the line of a CSV record with the wrong number of fields', async () => {
    const file = write('short.csv', 'id,note\r\n1,"a\r\nb"\r\n2\r\n');
    await assert.rejects(readInputRecords(file, 'id'), (error: unknown) => error instanceof Error && error.message === `${file}: line 4 has 1 fields but the header has 2`);
  });

  it('names both lines of a repeated key', async () => {
    const file = write('twice.csv', 'id,note\n7,a\n\n7,b\n');
    await assert.rejects(readInputRecords(file, 'id'), (error: unknown) => error instanceof Error && error.message === `${file}: line 4 repeats key '7' of line 2`);
  });

  it('gives each record its place for later messages', async () => {
    const file = write('places.csv', 'id,note\n1,"x\ny"\n2,z\n');
    assert.deepEqual(
      (await readInputRecords(file, 'id')).map((r) => r.where),
      [`${file}: line 2`, `${file}: line 4`],
    );
  });
});
