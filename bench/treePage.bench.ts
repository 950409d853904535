// The editor's tree on a 1,000,000-sample task: how long a page takes, and whether paging it slows the engine.
// The task database is written straight through SQL (test/support/store/inspectedTaskDb.ts) once, into a cache folder
// of the temp directory that later runs reuse. Figures:
//   - each kind of page read as the reader reads it (open the database read-only, one keyset query, close): the first
//     and a deep page of succeeded samples, the first and a deep page of a filter, a batch's requests, a sample's
//     attempts; median of several reads, target ≤ 100 ms;
//   - the same pages asked of the real reader worker (dist/reader.js, started like the extension starts it), round
//     trip included;
//   - the engine's local pipeline (add, commit, batch and write 50,000 requests) alone, then while another thread
//     reads the tree's pages without pause, as the reader would: the two throughputs should match.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Channel, type MessageEndpoint } from '../src/protocol/channel';
import type { PageSource } from '../src/shared/taskSnapshot';
import { sampleKey, writeInspectedTaskDb, type InspectedTaskShape } from '../test/support/store/inspectedTaskDb';
import { reportFigures } from './report';
import { machineLoad, measure, median, round } from './support/measure';
import { openBenchRequester, smallChatRequest } from './support/requesterHarness';
import { readTreePage } from './support/treePager';

const shape: InspectedTaskShape = { samples: 1_000_000, batchSize: 50_000, failEvery: 20, cutEvery: 97, refuseEvery: 501 };
/** Bumped whenever the fixture's shape or the schema changes, so that a stale cache is rebuilt. */
const fixtureVersion = 'v3-1m';
const pageLimit = 200;
const repeats = 7;
const pipelineRequests = 50_000;
const commitGroup = 1_000;

const taskDir = path.join(os.tmpdir(), `gpt-batch-bench-tree-${fixtureVersion}`);
const files = { name: 'big', taskDir, prefix: 'big' };

async function fixture(): Promise<number> {
  if (existsSync(path.join(taskDir, 'complete'))) return 0;
  rmSync(taskDir, { recursive: true, force: true });
  mkdirSync(taskDir, { recursive: true });
  const { wallMs } = await measure(() => writeInspectedTaskDb(taskDir, shape));
  writeFileSync(path.join(taskDir, 'complete'), '');
  return wallMs;
}

/** The pages timed: what a user opens first, and what scrolling far down or a filter costs. */
const pages: { name: string; source: PageSource; after?: string }[] = [
  { name: 'succeeded_first', source: { kind: 'samples', group: 'succeeded' } },
  { name: 'succeeded_deep', source: { kind: 'samples', group: 'succeeded' }, after: sampleKey(900_001) },
  { name: 'failed_first', source: { kind: 'samples', group: 'failed' } },
  { name: 'filter_errored_first', source: { kind: 'samples', group: 'errored' } },
  { name: 'filter_errored_deep', source: { kind: 'samples', group: 'errored' }, after: String(900_000) },
  { name: 'filter_cut_short_first', source: { kind: 'samples', group: 'cutShort' } },
  { name: 'filter_refused_first', source: { kind: 'samples', group: 'refused' } },
  { name: 'batch_requests_deep', source: { kind: 'batch', place: 'processed', id: 19 }, after: String(18 * 50_000 + 40_000) },
  { name: 'sample_attempts', source: { kind: 'attempts', key: sampleKey(400_000) } },
];

function readPage(source: PageSource, after: string | undefined) {
  return readTreePage(files, source, after, pageLimit);
}

/** Starts a thread that reads the tree's pages without pause until `stop`, which answers how many it read. */
function startPager(): { stop(): Promise<number> } {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, 'support', 'treePager.ts'))});`, {
    eval: true,
    workerData: { pager: true, files, pages, limit: pageLimit, shared },
  });
  const exited = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', () => resolve());
  });
  return {
    stop: async () => {
      Atomics.store(shared, 0, 1);
      await exited;
      return Atomics.load(shared, 1);
    },
  };
}

async function medianMs(body: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i += 1) times.push((await measure(body)).wallMs);
  return round(median(times), 1);
}

function startReader(): { channel: Channel; stop(): Promise<number> } {
  const worker = new Worker(path.join(__dirname, '..', 'dist', 'reader.js'));
  const channel = new Channel(worker as MessageEndpoint, { onError: (error) => console.error(error) });
  return { channel, stop: () => worker.terminate() };
}

/** Requests per second of the engine's local pipeline (no API): add, commit, batch, write the batch files. */
async function pipelineRate(): Promise<number> {
  const bench = await openBenchRequester(null, { max_unpushed_batches: 1000 });
  try {
    const r = bench.requester;
    await r.costing.countTokens(smallChatRequest(-1).payload, r.endpoint);
    const { wallMs } = await measure(async () => {
      for (let start = 0; start < pipelineRequests; start += commitGroup) {
        for (let i = start; i < start + commitGroup; i += 1) r.addRequest(smallChatRequest(i));
        await r.commitRequests();
        await r.batchRequests(false);
      }
      await r.batchRequests(true);
    });
    return round(pipelineRequests / (wallMs / 1000));
  } finally {
    bench.close();
  }
}

async function main(): Promise<void> {
  const figures: Record<string, number | string> = { samples: shape.samples, page_limit: pageLimit, load_before: machineLoad() };
  figures.fixture_build_s = round((await fixture()) / 1000, 1);
  for (const page of pages) {
    const first = readPage(page.source, page.after);
    if (first.items.length === 0) throw new Error(`Page ${page.name} is empty; the fixture is not what the benchmark expects`);
    figures[`${page.name}_ms`] = await medianMs(() => readPage(page.source, page.after));
  }
  figures.slowest_page_ms = Math.max(...pages.map((page) => figures[`${page.name}_ms`] as number));

  const taskFile = path.join(taskDir, 'gpt-batch.json');
  writeFileSync(taskFile, JSON.stringify({ tasks: { big: { task: 'demo:char_codes', task_dir: taskDir } } }));
  const reader = startReader();
  try {
    const ask = (page: (typeof pages)[number]) =>
      reader.channel.request('task/page', { file: taskFile, task: 'big', source: page.source, ...(page.after === undefined ? {} : { after: page.after }), limit: pageLimit });
    await ask(pages[0] as (typeof pages)[number]);
    for (const name of ['succeeded_first', 'succeeded_deep', 'filter_errored_first']) {
      const page = pages.find((p) => p.name === name) as (typeof pages)[number];
      figures[`reader_${name}_ms`] = await medianMs(() => ask(page));
    }
  } finally {
    await reader.stop();
  }

  figures.pipeline_alone_req_per_s = await pipelineRate();
  const pager = startPager();
  try {
    figures.pipeline_while_paging_req_per_s = await pipelineRate();
  } finally {
    figures.pages_read_meanwhile = await pager.stop();
  }
  figures.pipeline_ratio = round((figures.pipeline_while_paging_req_per_s as number) / (figures.pipeline_alone_req_per_s as number), 2);
  figures.load_after = machineLoad();
  reportFigures('treePage', figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
