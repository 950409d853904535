// Direct-mode throughput of the built command: `gpt-batch demo --task char_codes --force_direct` (1,140 requests)
// against the simulator in its own process, at 0, 50 and 100 ms of chat latency, with the default direct_concurrency
// (the ceiling of the adaptive concurrency). Requests per second are over the direct phase as the simulator saw it
// (first call to last answer); CPU is the whole CLI process's (start-up, request generation, task processing and
// output included), per request; the concurrency is the highest the run's log reports.
// Targets: at least 400 requests/s at 50 ms latency; at most 1.5 ms CPU per request.
import { reportFigures } from './report';
import { demoRequests, runDirectDemo } from './support/directDemo';
import { machineLoad, round } from './support/measure';
import { startSimProcess } from './support/simProcess';

const targetPerSecondAt50ms = 400;
const targetCpuMsPerRequest = 1.5;

async function main(): Promise<void> {
  const figures: Record<string, number | string> = { requests: demoRequests, load_before: machineLoad() };
  for (const latency of [0, 50, 100]) {
    const sim = await startSimProcess({ batchSeconds: 1, faults: { chatLatencyMs: latency } });
    try {
      const run = await runDirectDemo(sim.baseUrl);
      const p = `latency${latency}ms`;
      const perSecond = demoRequests / run.directS;
      const cpuPerRequest = run.cpuMs / demoRequests;
      figures[`${p}_req_per_s`] = round(perSecond);
      figures[`${p}_wall_s`] = round(run.wallS, 2);
      figures[`${p}_cpu_ms_per_req`] = round(cpuPerRequest, 2);
      figures[`${p}_concurrency_reached`] = run.concurrency;
      figures[`${p}_peak_rss_mb`] = round(run.peakRssMb, 1);
      figures[`${p}_429s`] = run.stats.statusCodes['429'] ?? 0;
      if (latency === 50) figures.latency50ms_req_per_s_within_target = perSecond >= targetPerSecondAt50ms ? 'yes' : 'NO';
      figures[`${p}_cpu_within_target`] = cpuPerRequest <= targetCpuMsPerRequest ? 'yes' : 'NO';
    } finally {
      await sim.stop();
    }
  }
  figures.load_after = machineLoad();
  reportFigures('directDemo', figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
