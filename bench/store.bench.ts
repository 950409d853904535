// Costs of the durable store: one atomic save of a 10 MB state file, a commit that appends 1,000 lines to JSONL
// files of growing size (should stay flat), and the raw fsync costs behind both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStore } from '../src/engine/store/fileStore';
import { fsyncDir } from '../src/engine/store/fsUtil';
import { safeWriteFile } from '../src/engine/store/safeWrite';
import { reportFigures } from './report';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function timeRuns(runs: number, body: (run: number) => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await body(run);
    times.push(performance.now() - started);
  }
  return Number(median(times).toFixed(2));
}

function stateOfSize(bytes: number): unknown {
  const batches = [];
  for (let id = 1, size = 0; size < bytes; id += 1) {
    const batch = { id, local_jsonl: `/tasks/demo/P_batch${id}.jsonl`, request_info: Object.fromEntries(Array.from({ length: 50 }, (_, r) => [String(id * 100 + r), { retry_num: 0, cost: r * 0.001 }])) };
    size += JSON.stringify(batch, null, 2).length;
    batches.push(batch);
  }
  // Batches sit deeper in the document than when measured alone, so trim to the target size once.
  const actual = JSON.stringify({ version: 1, batches }, null, 2).length;
  return { version: 1, batches: batches.slice(0, Math.floor((batches.length * bytes) / actual)) };
}

function queueLine(id: number): string {
  return `${JSON.stringify({ id, req: { payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${id}` }] }, meta: null, retry_num: 0 } })}\n`;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-'));
  const figures: Record<string, number | string> = {};
  try {
    const store = await FileStore.open(dir, { journalName: 'P.journal' });

    const state = stateOfSize(10_000_000);
    const stateText = `${JSON.stringify(state, null, 2)}\n`;
    figures.stateFileBytes = Buffer.byteLength(stateText);
    figures.save10MbStateMs = await timeRuns(11, async () => {
      const tx = store.transaction();
      tx.writeText('P_state.json', stateText);
      await tx.commit();
    });
    figures.save10MbStateWithStringifyMs = await timeRuns(11, async () => {
      const tx = store.transaction();
      tx.writeJson('P_state.json', state, { pretty: true });
      await tx.commit();
    });

    const newLines = Array.from({ length: 1000 }, (_, index) => JSON.parse(queueLine(index)) as unknown);
    for (const existing of [10_000, 100_000, 1_000_000]) {
      const file = path.join(dir, `queue${existing}.jsonl`);
      const stream = fs.createWriteStream(file);
      for (let id = 0; id < existing; id += 1) if (!stream.write(queueLine(id))) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
      await new Promise<void>((resolve) => stream.end(() => resolve()));
      // Flush the freshly written file first, so that its writeback is not charged to the appends timed below.
      const prepared = await fs.promises.open(file, 'r+');
      await prepared.sync();
      await prepared.close();
      const label = existing >= 1_000_000 ? `${existing / 1_000_000}M` : `${existing / 1000}k`;
      figures[`append1000LinesTo${label}Ms`] = await timeRuns(11, async (run) => {
        const tx = store.transaction();
        tx.appendJsonl(file, newLines);
        tx.writeJson('P_small_state.json', { run });
        await tx.commit();
      });
      if (existing === 1_000_000) {
        figures.copyAppend1000LinesTo1MMs = await timeRuns(3, () => safeWriteFile(file, newLines.map((line) => `${JSON.stringify(line)}\n`).join(''), { append: true }));
      }
      figures[`jsonl${label}Bytes`] = fs.statSync(file).size;
    }

    const small = path.join(dir, 'small.bin');
    const block = Buffer.alloc(4096, 1);
    figures.write4KbAndFsyncMs = await timeRuns(21, async () => {
      const handle = await fs.promises.open(small, 'w');
      await handle.writeFile(block);
      await handle.sync();
      await handle.close();
    });
    figures.fsyncDirMs = await timeRuns(21, () => fsyncDir(dir));
    figures.machine = `${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  reportFigures('store', figures);
}

void main();
