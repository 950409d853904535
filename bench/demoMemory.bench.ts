// Peak resident memory of the README's demo command, `gpt-batch demo --task char_codes --simulate`, in batch mode and
// with --force_direct (1,140 requests against the in-process simulator). Each run is a child process started the
// way the installed command starts (node with the flags of dist/cli.js's first line) and reports its own peak RSS.
// Target: at most 150 MB in both modes. Needs `npm run build` (`npm run bench` builds first).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reportFigures } from './report';
import { builtCli, measuredCliArgs, peakRssMbOf } from './support/builtCli';
import { machineLoad, round } from './support/measure';

const targetMb = 150;

/** Runs the demo once and returns its peak RSS in MB and its wall time in seconds. */
function runDemo(flags: string[]): { peakMb: number; seconds: number } {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/gpt-batch-bench-demo-`);
  try {
    const start = Date.now();
    const args = measuredCliArgs(['demo', '--task', 'char_codes', '--simulate', '--task_dir', path.join(dir, 'task'), ...flags]);
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const seconds = (Date.now() - start) / 1000;
    if (run.error) throw run.error;
    if (run.status !== 0) throw new Error(`The demo ${flags.join(' ')} failed (exit ${run.status}): ${run.stderr.slice(-2000)}`);
    if (!/Task 'char_codes' is complete/.test(run.stdout + run.stderr)) throw new Error(`The demo ${flags.join(' ')} did not complete the task`);
    const peakMb = peakRssMbOf(run.stderr);
    if (peakMb === undefined) throw new Error(`The demo ${flags.join(' ')} reported no peak RSS`);
    return { peakMb: round(peakMb, 1), seconds: round(seconds, 1) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  if (!fs.existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build`);
  const figures: Record<string, number | string> = { target_peak_rss_mb: targetMb, load_before: machineLoad() };
  for (const [mode, flags] of [
    ['batch', []],
    ['direct', ['--force_direct']],
  ] as const) {
    const { peakMb, seconds } = runDemo([...flags]);
    figures[`${mode}_peak_rss_mb`] = peakMb;
    figures[`${mode}_wall_s`] = seconds;
    figures[`${mode}_within_target`] = peakMb <= targetMb ? 'yes' : 'NO';
  }
  figures.load_after = machineLoad();
  reportFigures('demoMemory', figures);
}

main();
