import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SimulatorStats } from '../../src/sim/simulator';
import { builtCli, cpuMsOf, measuredCliArgs, peakRssMbOf } from './builtCli';

/** Requests of the char_codes demo. */
export const demoRequests = 1_140;

/** One run of `gpt-batch demo --task char_codes --force_direct` against a simulator, as the simulator and the CLI saw it. */
export interface DirectDemoRun {
  wallS: number;
  cpuMs: number;
  peakRssMb: number;
  /** The highest concurrency the run's log reports. */
  concurrency: number;
  /** Seconds from the first direct call the simulator received to the last it answered. */
  directS: number;
  stats: SimulatorStats;
}

async function simStats(baseUrl: string): Promise<SimulatorStats> {
  const response = await fetch(`${baseUrl.replace(/\/v1$/, '')}/__sim/stats`);
  return (await response.json()) as SimulatorStats;
}

/** The most in flight the log reports: progress lines' `[Concurrency: N]` and the pacer's "raised to N" lines. */
function concurrencyReached(log: string): number {
  let most = 0;
  for (const [, progress, raised] of log.matchAll(/\[Concurrency: ([0-9]+)\]|concurrency raised to ([0-9]+)/g)) most = Math.max(most, Number(progress ?? raised));
  return most;
}

/** Runs the built CLI's char_codes demo with `--force_direct` against the simulator at `baseUrl` (its stats reset first). */
export async function runDirectDemo(baseUrl: string, flags: string[] = []): Promise<DirectDemoRun> {
  if (!fs.existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build`);
  await fetch(`${baseUrl.replace(/\/v1$/, '')}/__sim/reset`, { method: 'POST' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-bench-direct-'));
  try {
    const args = ['demo', '--task', 'char_codes', '--task_dir', path.join(dir, 'task'), '--client_base_url', baseUrl, '--openai_api_key', 'sim', '--no_wandb', '--force_direct', ...flags];
    const started = Date.now();
    const child = spawn(process.execPath, measuredCliArgs(args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const wallS = (Date.now() - started) / 1000;
    const log = stdout + stderr;
    if (code !== 0 || !/Task 'char_codes' is complete/.test(log)) throw new Error(`The direct demo did not complete (exit ${code}): ${log.slice(-3000)}`);
    const stats = await simStats(baseUrl);
    const cpuMs = cpuMsOf(stderr);
    const peakRssMb = peakRssMbOf(stderr);
    if (cpuMs === undefined || peakRssMb === undefined) throw new Error('The demo reported no CPU time or peak RSS');
    const directS = ((stats.lastModelAnswerAt ?? 0) - (stats.firstModelCallAt ?? 0)) / 1000;
    return { wallS, cpuMs, peakRssMb, concurrency: concurrencyReached(log), directS, stats };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Direct calls the simulator answered 200. */
export function answeredCalls(stats: SimulatorStats): number {
  return Object.values(stats.directRequestIdsAnswered).reduce((sum, n) => sum + n, 0);
}
