// Direct-mode throughput: 2,000 small chat requests through `directRequests` (virtual batches of
// `max_direct_requests`, each saved as one unit) against the simulator in a child process, at chat latencies of 0 and
// 50 ms, with the default `direct_concurrency` and with concurrency 1.
//
// Wall-clock rates depend on the simulator and the machine's load. The engine's capacity is therefore also given
// from this process's CPU time (the simulator runs in another process): total CPU per request, the CPU of the same
// calls made with the bare openai client, and the difference, which is the engine's own time per request.
import { getEventListeners } from 'node:events';
import OpenAI from 'openai';
import { directRequests } from '../src/engine/requester/direct';
import type { CachedRequest } from '../src/engine/requester/cachedRequest';
import { reportFigures } from './report';
import { machineLoad, measure, median, round, timeCommits } from './support/measure';
import { benchRequesterOptions, openBenchRequester, smallChatRequest } from './support/requesterHarness';
import { startSimProcess } from './support/simProcess';

const requestCount = 2_000;

interface DirectRun {
  perSecond: number;
  cpuMsPerRequest: number;
  addCpuMsPerRequest: number;
  virtualBatches: number;
  commitMedianMs: number;
  abortListenersLeft: number;
}

async function runDirect(client: OpenAI, count: number, concurrency: number): Promise<DirectRun> {
  const bench = await openBenchRequester(client, { direct_concurrency: concurrency });
  const commits = timeCommits();
  try {
    const r = bench.requester;
    const added = await measure(() => Array.from({ length: count }, (_, i): CachedRequest => r.addRequest(smallChatRequest(i))));
    r.pool = [];
    let succeeded = 0;
    let virtualBatches = 0;
    const run = await measure(() =>
      directRequests(r, added.value, async (_u, result) => {
        virtualBatches += 1;
        succeeded += result.results.filter((x) => x.err_info === null).length;
      }),
    );
    if (run.value || succeeded !== count || bench.logger.errors.length > 0) {
      throw new Error(`The direct run was not clean: ${succeeded}/${count} succeeded, limited ${run.value}; ${bench.logger.errors.slice(0, 5).join(' | ')}`);
    }
    return {
      perSecond: count / (run.wallMs / 1000),
      cpuMsPerRequest: (added.cpuMs + run.cpuMs) / count,
      addCpuMsPerRequest: added.cpuMs / count,
      virtualBatches,
      commitMedianMs: median(commits.durationsMs()),
      abortListenersLeft: getEventListeners(r.gate.signal, 'abort').length,
    };
  } finally {
    commits.stop();
    bench.close();
  }
}

/** The same chat calls made with the bare client, `concurrency` at a time: CPU per request and rate. */
async function runBareClient(client: OpenAI, count: number, concurrency: number): Promise<{ perSecond: number; cpuMsPerRequest: number }> {
  let next = 0;
  const run = await measure(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const payload = smallChatRequest(next).payload;
          next += 1;
          await client.chat.completions.create(payload as never, { signal: new AbortController().signal }).withResponse();
        }
      }),
    ),
  );
  return { perSecond: count / (run.wallMs / 1000), cpuMsPerRequest: run.cpuMs / count };
}

async function main(): Promise<void> {
  const defaults = benchRequesterOptions();
  const c = defaults.direct_concurrency;
  const figures: Record<string, number | string> = {
    requests: requestCount,
    max_direct_requests: defaults.max_direct_requests,
    direct_concurrency: c,
    load_before: machineLoad(),
  };
  for (const latency of [0, 50]) {
    const sim = await startSimProcess({ batchSeconds: 1, faults: { chatLatencyMs: latency } });
    const client = new OpenAI({ apiKey: 'sim', baseURL: sim.baseUrl, maxRetries: 0 });
    try {
      // Warm-up: loads the tokenizer and lets the JIT compile the hot paths of both processes.
      await runDirect(client, 200, c);
      const concurrent = await runDirect(client, requestCount, c);
      // One request at a time is slow (100 s for 2,000 requests at 50 ms); fewer requests give the same rate.
      const serialCount = latency === 0 ? requestCount / 2 : 300;
      const serial = await runDirect(client, serialCount, 1);
      const p = `latency${latency}ms`;
      figures[`${p}_concurrency${c}_req_per_s`] = round(concurrent.perSecond);
      figures[`${p}_concurrency1_req_per_s`] = round(serial.perSecond);
      figures[`${p}_concurrency1_requests`] = serialCount;
      figures[`${p}_concurrency${c}_cpu_ms_per_req`] = round(concurrent.cpuMsPerRequest, 2);
      figures[`${p}_concurrency1_cpu_ms_per_req`] = round(serial.cpuMsPerRequest, 2);
      if (latency === 0) {
        const bare = await runBareClient(client, requestCount, c);
        const engineOwn = concurrent.cpuMsPerRequest - bare.cpuMsPerRequest;
        figures.add_request_cpu_ms_per_req = round(concurrent.addCpuMsPerRequest, 3);
        figures[`bare_client_concurrency${c}_req_per_s`] = round(bare.perSecond);
        figures.bare_client_cpu_ms_per_req = round(bare.cpuMsPerRequest, 2);
        figures.engine_own_cpu_ms_per_req = round(engineOwn, 2);
        figures.engine_own_capacity_req_per_s = round(1000 / engineOwn);
        figures.engine_with_client_capacity_req_per_s = round(1000 / concurrent.cpuMsPerRequest);
        figures.virtual_batches = concurrent.virtualBatches;
        figures.unit_commit_median_ms = round(concurrent.commitMedianMs, 1);
        figures.abort_listeners_left_on_interrupt_signal = concurrent.abortListenersLeft;
      }
    } finally {
      await sim.stop();
    }
  }
  const reference = 1_140 / 58;
  figures.reference_req_per_s = round(reference, 1);
  figures.engine_own_speedup_vs_reference = round(Number(figures.engine_own_capacity_req_per_s) / reference, 1);
  figures.load_after = machineLoad();
  reportFigures('requesterDirect', figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
