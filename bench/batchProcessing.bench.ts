// Processing one finished batch of 50,000 results: from the summary of finished remote batches (right after the
// status refresh) to the end of its processing (output downloaded, every line interpreted, results handed to the
// task, results and retries committed, remote files deleted), timed by the log lines that mark both ends. The task
// is a minimal one (bench/support/saveBenchTask.ts); the simulator runs in a child process. Target: at most 0.05 ms
// per result line. Reports the median of three such batches, each in a fresh task, their range, and the CPU time of
// this process (the engine's share) over the same span.
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../src/engine/log';
import { openaiClientFactory } from '../src/host/openaiClient';
import { resolveOptions } from '../src/shared/options';
import { reportFigures } from './report';
import { machineLoad, median, peakRssMb, round } from './support/measure';
import { SaveBenchTask } from './support/saveBenchTask';
import { startSimProcess } from './support/simProcess';

const lines = 50_000;
const targetMsPerLine = 0.05;
// One run's figure varies by a third on a shared two-core machine; the median of a few is what is compared.
const runs = 3;

/** Notes when the lines that open and close the processing of the batch were logged, and this process's CPU then. */
class ProcessingSpanLogger implements Logger {
  readonly errors: string[] = [];
  start: { at: number; cpu: NodeJS.CpuUsage } | undefined;
  end: { at: number; cpu: NodeJS.CpuUsage } | undefined;

  error(message: string): void {
    this.errors.push(message);
  }
  warn(): void {}
  debug(): void {}
  info(message: string): void {
    if (this.start === undefined && /^There are 0 unfinished and 1 finished REMOTE batches/.test(message)) this.start = { at: performance.now(), cpu: process.cpuUsage() };
    if (/^Finished processing batch 1 /.test(message)) this.end = { at: performance.now(), cpu: process.cpuUsage() };
  }
}

/** Pushes, waits for and processes one batch of `lines` requests in a fresh task; the span of its processing. */
async function processOneBatch(baseUrl: string): Promise<{ wallMs: number; cpuMs: number }> {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/gpt-batch-bench-processing-`);
  try {
    const logger = new ProcessingSpanLogger();
    const resolved = resolveOptions([{ source: 'benchmark', values: { max_batch_requests: lines, max_batch_cost: 1000, max_remote_cost: 1000, max_session_cost: 1000, max_batch_ktokens: 100_000, max_remote_ktokens: 100_000 } }]);
    const task = new SaveBenchTask(
      {
        taskDir: dir,
        namePrefix: 'processing',
        initMeta: {},
        requester: resolved.requester,
        taskManager: resolved.taskManager,
        logger,
        // The client a run builds: over node:http, as the product sends.
        createClient: openaiClientFactory({ options: resolved.requester, env: {}, simulatorBaseUrl: baseUrl, noKeyAdvice: '' }),
      },
      0,
      lines,
    );
    const done = await task.run();
    if (!done || logger.errors.length > 0) throw new Error(`The task run did not finish cleanly: ${logger.errors.slice(0, 3).join(' | ')}`);
    if (task.processed.length !== 1 || task.processed[0]?.results !== lines) {
      throw new Error(`Expected one processed batch of ${lines} results, got ${task.processed.map((p) => p.results).join(', ')}`);
    }
    const { start, end } = logger;
    if (start === undefined || end === undefined) throw new Error('The processing of the batch was not logged');
    return { wallMs: end.at - start.at, cpuMs: (end.cpu.user + end.cpu.system - start.cpu.user - start.cpu.system) / 1000 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const figures: Record<string, number | string> = { result_lines: lines, runs, target_ms_per_line: targetMsPerLine, load_before: machineLoad() };
  const sim = await startSimProcess({ batchSeconds: 0.5 });
  const spans: { wallMs: number; cpuMs: number }[] = [];
  try {
    for (let run = 0; run < runs; run += 1) {
      spans.push(await processOneBatch(sim.baseUrl));
      // What one run left behind does not count towards the next (run.mjs starts benchmarks with --expose-gc).
      (globalThis as { gc?: () => void }).gc?.();
    }
  } finally {
    await sim.stop();
  }
  const perLine = (ms: number) => round(ms / lines, 4);
  const walls = spans.map((span) => span.wallMs);
  figures.processing_ms_median = round(median(walls));
  figures.ms_per_line = perLine(median(walls));
  figures.ms_per_line_range = `${perLine(Math.min(...walls))}-${perLine(Math.max(...walls))}`;
  figures.cpu_ms_per_line = perLine(median(spans.map((span) => span.cpuMs)));
  figures.within_target = median(walls) / lines <= targetMsPerLine ? 'yes' : 'NO';
  figures.peak_rss_mb = peakRssMb();
  figures.load_after = machineLoad();
  reportFigures('batchProcessing', figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
