// Throughput and peak memory of `gpt-batch estimate` (the built CLI) on a million short chat requests, in every
// output mode, each run in a child process whose peak RSS is read from its resource usage. The child gets the Node
// flags of the CLI's `#!` line, as it does when run as `gpt-batch`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeChatRequests } from '../test/support/cli/estimateRequests';
import { measuredCliArgs, peakRssMbOf } from './support/builtCli';
import { machineLoad } from './support/measure';
import { reportFigures } from './report';

const lines = 1_000_000;
const modes: Record<string, string[]> = { table: [], jsonl: ['--jsonl'], json: ['--json'], summary: ['--summary'] };

// stdout is read and dropped, as a pipe to another program would be.
function runEstimate(file: string, flags: string[]): Promise<{ seconds: number; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, measuredCliArgs(['estimate', file, ...flags]), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - start) / 1000;
      const peakRssMb = peakRssMbOf(stderr);
      if (code !== 0 || peakRssMb === undefined) reject(new Error(`estimate ${flags.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ seconds, peakRssMb: Math.round(peakRssMb) });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-estimate-bench-'));
  try {
    const file = path.join(dir, 'requests.jsonl');
    await writeChatRequests(file, lines);
    const figures: Record<string, number | string> = { lines };
    for (const [mode, flags] of Object.entries(modes)) {
      const { seconds, peakRssMb } = await runEstimate(file, flags);
      figures[`${mode}_lines_per_s`] = Math.round(lines / seconds);
      figures[`${mode}_peak_rss_mb`] = peakRssMb;
    }
    figures.load = machineLoad();
    reportFigures('estimate', figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
