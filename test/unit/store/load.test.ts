import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CorruptedStateError } from '../../../src/shared/errors';
import { readJsonFile, readJsonlFile, readJsonlLines } from '../../../src/engine/store/load';
import { useTempDir } from '../../support/store/tempDir';

const stateSchema = z.strictObject({ version: z.literal(1), batches: z.array(z.strictObject({ id: z.number() })) });
const lineSchema = z.strictObject({ id: z.number() });

describe('loading state files', () => {
  const tmp = useTempDir('load');
  const file = (name: string) => path.join(tmp.dir, name);

  function assertCorrupted(pattern: RegExp) {
    return (error: unknown) => {
      assert.ok(error instanceof CorruptedStateError, String(error));
      assert.match(error.message, pattern);
      return true;
    };
  }

  it('returns undefined for a missing JSON file and the validated value otherwise', async () => {
    assert.equal(await readJsonFile(file('P_state.json'), stateSchema), undefined);
    fs.writeFileSync(file('P_state.json'), '{"version":1,"batches":[{"id":3}]}');
    assert.deepEqual(await readJsonFile(file('P_state.json'), stateSchema), { version: 1, batches: [{ id: 3 }] });
  });

  it('names the file and the key path of a schema failure, and says there is no backup', async () => {
    fs.writeFileSync(file('P_state.json'), '{"version":1,"batches":[{"id":1},{"id":2},{"id":3},{"id":"4"}]}');
    await assert.rejects(
      readJsonFile(file('P_state.json'), stateSchema),
      assertCorrupted(/P_state\.json .*batches\[3\]\.id: expected number, received string.*There is no backup/),
    );
  });

  it('reports a truncated JSON file and offers the .bak with the command that restores it', async () => {
    fs.writeFileSync(file('P_state.json'), '{"version":1,"batc');
    fs.writeFileSync(file('P_state.json.bak'), '{"version":1,"batches":[]}');
    const target = file('P_state.json');
    await assert.rejects(
      readJsonFile(target, stateSchema),
      (error: unknown) =>
        error instanceof CorruptedStateError &&
        error.file === target &&
        /is truncated/.test(error.message) &&
        error.message.includes(`The previous version is kept in ${target}.bak; to go back to it: mv '${target}.bak' '${target}'`),
    );
  });

  it('reports an empty JSON file and a file that is not JSON', async () => {
    fs.writeFileSync(file('a.json'), '');
    fs.writeFileSync(file('b.json'), 'version = 1');
    await assert.rejects(readJsonFile(file('a.json'), stateSchema), assertCorrupted(/a\.json is empty/));
    await assert.rejects(readJsonFile(file('b.json'), stateSchema), assertCorrupted(/b\.json is not valid JSON/));
  });

  it('reads every line of a JSONL file with its line number', async () => {
    fs.writeFileSync(file('q.jsonl'), '{"id":1}\n{"id":2}\n{"id":3}\n');
    assert.deepEqual(await readJsonlFile(file('q.jsonl'), lineSchema), [{ id: 1 }, { id: 2 }, { id: 3 }]);
    const lines: number[] = [];
    for await (const { line } of readJsonlLines(file('q.jsonl'), lineSchema)) lines.push(line);
    assert.deepEqual(lines, [1, 2, 3]);
  });

  it('reads lines that span the read buffer and multi-byte characters intact', async () => {
    const values = Array.from({ length: 3000 }, (_, id) => ({ id, text: 'é€'.repeat(id % 50) }));
    fs.writeFileSync(file('big.jsonl'), values.map((value) => `${JSON.stringify(value)}\n`).join(''));
    const schema = z.strictObject({ id: z.number(), text: z.string() });
    assert.deepEqual(await readJsonlFile(file('big.jsonl'), schema), values);
  });

  it('takes the lines a quick check accepts as they are and checks the others against the schema', async () => {
    fs.writeFileSync(file('q.jsonl'), '{"id":1}\n{"id":2,"extra":true}\n');
    const checked: unknown[] = [];
    const quick = (value: unknown): value is { id: number } => {
      checked.push(value);
      return (value as { id: unknown }).id === 1;
    };
    const read = async () => {
      for await (const _ of readJsonlLines(file('q.jsonl'), lineSchema, quick));
    };
    await assert.rejects(read(), assertCorrupted(/q\.jsonl line 2 .*Unrecognized key: "extra"/));
    assert.deepEqual(checked, [{ id: 1 }, { id: 2, extra: true }]);
  });

  it('names the file, the line and the key of an invalid JSONL line', async () => {
    fs.writeFileSync(file('q.jsonl'), '{"id":1}\n{"id":2,"extra":true}\n');
    await assert.rejects(readJsonlFile(file('q.jsonl'), lineSchema), assertCorrupted(/q\.jsonl line 2 .*Unrecognized key: "extra"/));
    fs.writeFileSync(file('r.jsonl'), '{"id":1}\n\n{"id":2}\n');
    await assert.rejects(readJsonlFile(file('r.jsonl'), lineSchema), assertCorrupted(/r\.jsonl line 2 is empty/));
    fs.writeFileSync(file('s.jsonl'), '{"id":1}\n{id:2}\n');
    await assert.rejects(readJsonlFile(file('s.jsonl'), lineSchema), assertCorrupted(/s\.jsonl line 2 is not valid JSON/));
  });

  it('reports a torn last JSONL line with its byte offset', async () => {
    fs.writeFileSync(file('q.jsonl'), '{"id":1}\n{"id":22}\n{"id":3');
    await assert.rejects(readJsonlFile(file('q.jsonl'), lineSchema), assertCorrupted(/q\.jsonl line 3 \(from byte 19\) is cut short .*torn/));
  });

  it('accepts a complete last line that lacks its newline', async () => {
    fs.writeFileSync(file('q.jsonl'), '{"id":1}\n{"id":2}');
    assert.deepEqual(await readJsonlFile(file('q.jsonl'), lineSchema), [{ id: 1 }, { id: 2 }]);
  });

  it('reports a missing JSONL file as corrupted state', async () => {
    await assert.rejects(readJsonlFile(file('q.jsonl'), lineSchema), assertCorrupted(/q\.jsonl is missing/));
  });
});
