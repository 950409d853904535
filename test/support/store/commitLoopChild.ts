// Commits generation after generation into <dir> until killed: each transaction replaces a.json and b.json,
// appends one line to log.jsonl, and writes (even generations) or removes (odd ones) c.txt. Prints "ready" once
// the store is open and "committed <generation>" after each commit.
import fs from 'node:fs';
import path from 'node:path';
import { FileStore } from '../../../src/engine/store/fileStore';

const dir = process.argv[2] ?? '.';
const padding = 'x'.repeat(64 * 1024);

async function main(): Promise<void> {
  const store = await FileStore.open(dir, { journalName: 'P.journal' });
  const aFile = path.join(dir, 'a.json');
  let generation = fs.existsSync(aFile) ? (JSON.parse(fs.readFileSync(aFile, 'utf8')) as { generation: number }).generation : 0;
  console.log('ready');
  for (;;) {
    generation += 1;
    const tx = store.transaction();
    tx.writeJson('a.json', { generation, padding }, { pretty: true });
    tx.writeJson('b.json', { generation });
    tx.appendJsonl('log.jsonl', [{ generation }]);
    if (generation % 2 === 0) tx.writeText('c.txt', String(generation));
    else tx.remove('c.txt');
    await tx.commit();
    console.log(`committed ${generation}`);
  }
}

void main();
