// Local overhead of the requester for 100,000 and for 1,000,000 small requests, without any API call: add them to
// the pool, commit them to the queue 1,000 at a time (forming full batches after each commit, as the task manager
// does), force the trailing batch, and write every batch's JSONL. Each size runs in a process of its own. Figures:
// requests per second per phase and overall, the median commit unit, and the peak RSS of the process.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { reportFigures } from './report';
import { machineLoad, measure, median, peakRssMb, round, timeCommits } from './support/measure';
import { openBenchRequester, smallChatRequest } from './support/requesterHarness';

const sizes = [100_000, 1_000_000];
const commitGroup = 1_000;

/** Live heap at the end, with every batch unpushed (its requests are in the database, not in memory). */
function heapAfterGcMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
}

async function measureSize(requestCount: number): Promise<void> {
  const figures: Record<string, number | string> = { requests: requestCount, commit_group: commitGroup, load_before: machineLoad() };
  const rssBeforeMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  const bench = await openBenchRequester(null, { max_unpushed_batches: 1000 });
  const commits = timeCommits();
  try {
    const r = bench.requester;
    // Loads the tokenizer, which the first request of a real run pays for as well; timed separately.
    const warm = await measure(() => r.costing.countTokens(smallChatRequest(-1).payload, r.endpoint));
    let addMs = 0;
    let commitMs = 0;
    let batchMs = 0;
    for (let start = 0; start < requestCount; start += commitGroup) {
      const added = await measure(() => {
        for (let i = start; i < start + commitGroup; i += 1) r.addRequest(smallChatRequest(i));
      });
      addMs += added.wallMs;
      commitMs += (await measure(() => r.commitRequests())).wallMs;
      batchMs += (await measure(() => r.batchRequests(false))).wallMs;
    }
    batchMs += (await measure(() => r.batchRequests(true))).wallMs;
    const batches = r.unpushedBatches;
    const inBatches = batches.reduce((sum, b) => sum + b.num_requests, 0);
    if (inBatches !== requestCount || r.queue.length !== 0 || bench.logger.errors.length > 0) {
      throw new Error(`Expected ${requestCount} requests in batches, got ${inBatches} (${r.queue.length} queued); ${bench.logger.errors.slice(0, 3).join(' | ')}`);
    }
    const totalMs = addMs + commitMs + batchMs;
    Object.assign(figures, {
      tokenizer_load_ms: round(warm.wallMs),
      add_req_per_s: round(requestCount / (addMs / 1000)),
      commit_req_per_s: round(requestCount / (commitMs / 1000)),
      batch_and_write_req_per_s: round(requestCount / (batchMs / 1000)),
      total_req_per_s: round(requestCount / (totalMs / 1000)),
      total_s: round(totalMs / 1000, 1),
      commit_unit_median_ms: round(median(commits.durationsMs()), 1),
      store_commits: commits.commits.length,
      batches: batches.length,
      batch_jsonl_mb: round(batches.reduce((sum, b) => sum + statSync(b.local_jsonl).size, 0) / 1024 / 1024, 1),
      rss_before_mb: rssBeforeMb,
      heap_after_gc_mb: heapAfterGcMb(),
      peak_rss_mb: peakRssMb(),
      load_after: machineLoad(),
    });
  } finally {
    commits.stop();
    bench.close();
  }
  reportFigures(`requesterLocal_${requestCount / 1000}k`, figures);
}

/** Without an argument: runs each size in a child process (so that each peak RSS is its own); with one, that size. */
async function main(): Promise<void> {
  const size = Number(process.argv[2]);
  if (Number.isInteger(size) && size > 0) return measureSize(size);
  for (const count of sizes) {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, String(count)], { stdio: 'inherit' });
    if (child.status !== 0) throw new Error(`The ${count}-request run failed`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
