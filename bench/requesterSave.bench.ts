// The cost of saving after one processed batch of 1,000 results, in tasks that already hold 10,000, 100,000 and
// 1,000,000 finished requests (it should not grow with the task). Each task is written directly into a task
// database, then run by the task manager against the simulator (in a child process): it commits 5,000 new requests,
// pushes them as five batches of 1,000, waits, and processes each batch's results in one unit. Of those units we
// time the task's hook, the staging after it (state validation, task state, output and requester records) and the
// commit, and report the median of the five (a commit waits for the disk, so a single one is noisy). On the same task
// we time what a reader pays: opening the database read-only and reading the status snapshot. Last, the save of an
// append-only JSONL output (the output of template tasks) with 1,000, 10,000 and 20,000 new entries.
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { resolveOptions } from '../src/shared/options';
import { FileStore } from '../src/engine/store/fileStore';
import { InterruptGate } from '../src/engine/store/interrupts';
import { runUnit } from '../src/engine/store/unit';
import { JsonlOutputFile } from '../src/engine/taskManager/outputs';
import { readTaskSnapshot } from '../src/host/readTaskSnapshot';
import { reportFigures } from './report';
import { largeTaskValue, sampleKey, writeFinishedTask } from './support/largeTask';
import { machineLoad, measure, median, peakRssMb, round, timeCommits } from './support/measure';
import { ProblemLogger } from './support/requesterHarness';
import { SaveBenchTask } from './support/saveBenchTask';
import { startSimProcess } from './support/simProcess';

const prefix = 'save';
const batchSize = 1_000;
const batchCount = 5;

async function measureTask(baseUrl: string, finished: number, figures: Record<string, number | string>): Promise<void> {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/gpt-batch-bench-save-`);
  const label = `${finished / 1000}k`;
  try {
    const setup = await measure(() => writeFinishedTask(dir, prefix, finished));
    const logger = new ProblemLogger();
    const resolved = resolveOptions([{ source: 'benchmark', values: { max_batch_requests: batchSize } }]);
    const task = new SaveBenchTask(
      {
        taskDir: dir,
        namePrefix: prefix,
        initMeta: {},
        requester: resolved.requester,
        taskManager: resolved.taskManager,
        logger,
        createClient: () => new OpenAI({ apiKey: 'sim', baseURL: baseUrl, maxRetries: 2 }),
      },
      finished,
      batchSize * batchCount,
    );
    const commits = timeCommits();
    let runStart = 0;
    try {
      runStart = performance.now();
      const done = await task.run();
      if (!done || logger.errors.length > 0) throw new Error(`The task run did not finish cleanly: ${logger.errors.slice(0, 3).join(' | ')}`);
    } finally {
      commits.stop();
    }
    if (task.processed.length !== batchCount || task.processed.some((p) => p.results !== batchSize)) {
      throw new Error(`Expected ${batchCount} processed batches of ${batchSize} results, got ${task.processed.map((p) => p.results).join(', ')}`);
    }
    const units = task.processed.map((processed) => {
      const commit = commits.commits.find((c) => c.start >= processed.handlerEnd);
      if (commit === undefined) throw new Error('A processing unit was never committed');
      return { processed, commit };
    });
    const medianOf = (part: (unit: (typeof units)[number]) => number) => round(median(units.map(part)), 1);
    figures[`${label}_setup_write_s`] = round(setup.wallMs / 1000, 2);
    figures[`${label}_enter_ms`] = round((task.enteredAt ?? runStart) - runStart);
    figures[`${label}_process_unit_ms`] = medianOf(({ processed, commit }) => commit.end - processed.handlerStart);
    figures[`${label}_task_hook_ms`] = medianOf(({ processed }) => processed.handlerEnd - processed.handlerStart);
    figures[`${label}_staging_ms`] = medianOf(({ processed, commit }) => commit.start - processed.handlerEnd);
    figures[`${label}_commit_ms`] = medianOf(({ commit }) => commit.end - commit.start);
    const status = await measure(() => readTaskSnapshot({ name: prefix, taskDir: dir, prefix }, resolveOptions([]).requester));
    figures[`${label}_open_and_status_ms`] = round(status.wallMs, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Staging and committing one save of a JSONL output with `entries` new lines. */
async function measureJsonlOutputSave(entries: number): Promise<number> {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/gpt-batch-bench-output-`);
  try {
    const store = await FileStore.open(dir, { journalName: `${prefix}.journal` });
    const gate = new InterruptGate();
    const output = new JsonlOutputFile<Record<string, unknown>>(`${dir}/${prefix}_output`);
    await runUnit(store, gate, (u) => output.open(u));
    for (let i = 0; i < entries; i += 1) output.pending.push({ key: sampleKey(i), ...largeTaskValue(i) });
    return (await measure(() => runUnit(store, gate, (u) => output.save(u)))).wallMs;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const figures: Record<string, number | string> = { batch_size: batchSize, batches: batchCount, load_before: machineLoad() };
  const sim = await startSimProcess({ batchSeconds: 0.5 });
  try {
    for (const finished of [10_000, 100_000, 1_000_000]) await measureTask(sim.baseUrl, finished, figures);
  } finally {
    await sim.stop();
  }
  figures.peak_rss_mb = peakRssMb();
  for (const entries of [1_000, 10_000, 20_000]) figures[`output_jsonl_save_${entries / 1000}k_entries_ms`] = round(await measureJsonlOutputSave(entries));
  figures.load_after = machineLoad();
  reportFigures('requesterSave', figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
