// Pacing by rate limits: `gpt-batch demo --task char_codes --force_direct` (1,140 requests, 50 ms chat latency)
// against a simulator that enforces a request limit, then a token limit, over a 1 s period (so that a run lasts
// seconds, not minutes) and reports them in its rate-limit headers. Shows the 429s the run got (target: 0 or few) and
// the share of the allowed rate it used (target: at least 90%): what was admitted over what the limit allowed in the
// same time, the full budget at the start included.
import { reportFigures } from './report';
import { answeredCalls, demoRequests, runDirectDemo } from './support/directDemo';
import { machineLoad, round } from './support/measure';
import { startSimProcess } from './support/simProcess';

const periodSeconds = 1;
const requestLimit = 60;
// About 430 tokens are counted per char_codes request (prompt and max_completion_tokens): about 60 requests a second.
// Rates this low keep the CPU of a loaded machine from being what limits the run.
const tokenLimit = 26_000;
const targetShare = 0.9;

async function main(): Promise<void> {
  const figures: Record<string, number | string> = { requests: demoRequests, period_s: periodSeconds, load_before: machineLoad() };
  for (const [kind, limits] of [
    ['requests', { requestsPerMinute: requestLimit }],
    ['tokens', { tokensPerMinute: tokenLimit }],
  ] as const) {
    const sim = await startSimProcess({ batchSeconds: 1, faults: { chatLatencyMs: 50, rateLimitPeriodSeconds: periodSeconds, ...limits } });
    try {
      const run = await runDirectDemo(sim.baseUrl);
      const limit = kind === 'requests' ? requestLimit : tokenLimit;
      const admitted = kind === 'requests' ? answeredCalls(run.stats) : run.stats.modelTokensAdmitted;
      const allowed = limit * (1 + run.directS / periodSeconds);
      const share = admitted / allowed;
      const p = `${kind}_limited`;
      figures[`${p}_limit_per_period`] = limit;
      figures[`${p}_429s`] = run.stats.statusCodes['429'] ?? 0;
      figures[`${p}_direct_s`] = round(run.directS, 2);
      figures[`${p}_share_of_allowed_rate`] = round(share, 3);
      figures[`${p}_share_within_target`] = share >= targetShare ? 'yes' : 'NO';
      figures[`${p}_concurrency_reached`] = run.concurrency;
      figures[`${p}_cpu_ms_per_req`] = round(run.cpuMs / demoRequests, 2);
    } finally {
      await sim.stop();
    }
  }
  figures.load_after = machineLoad();
  reportFigures('directRateLimits', figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
