// Peak resident memory of the README's demo command, `gpt-batch demo --task char_codes --simulate`, in batch mode and
// with --force_direct (1,140 requests against the in-process simulator). Each run is a child process started the
// way the installed command starts (node with the flags of dist/cli.js's first line), measured by `/usr/bin/time`.
// Target: at most 150 MB in both modes. Needs `npm run build` (`npm run bench` builds first).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reportFigures } from './report';
import { machineLoad, round } from './support/measure';

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
const time = '/usr/bin/time';
const targetMb = 150;

/** The node flags of the command's `#!/usr/bin/env -S node ...` line. */
function shebangNodeFlags(): string[] {
  const first = fs.readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  if (!match) throw new Error(`${cli} does not start with a '#!/usr/bin/env -S node' line`);
  return (match[1] ?? '').trim().split(/\s+/).filter(Boolean);
}

/** Runs the demo once and returns its peak RSS in MB and its wall time in seconds. */
function runDemo(flags: string[]): { peakMb: number; seconds: number } {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/gpt-batch-bench-demo-`);
  const peakFile = path.join(dir, 'peak-rss-kb');
  try {
    const start = Date.now();
    const args = ['-f', '%M', '-o', peakFile, process.execPath, ...shebangNodeFlags(), cli, 'demo', '--task', 'char_codes', '--simulate', '--task_dir', path.join(dir, 'task'), ...flags];
    const run = spawnSync(time, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const seconds = (Date.now() - start) / 1000;
    if (run.error) throw new Error(`Cannot run ${time} (GNU time measures the peak memory): ${run.error.message}`);
    if (run.status !== 0) throw new Error(`The demo ${flags.join(' ')} failed (exit ${run.status}): ${run.stderr.slice(-2000)}`);
    if (!/Task 'char_codes' is complete/.test(run.stdout + run.stderr)) throw new Error(`The demo ${flags.join(' ')} did not complete the task`);
    const kb = Number(fs.readFileSync(peakFile, 'utf8').trim().split('\n').pop());
    return { peakMb: round(kb / 1024, 1), seconds: round(seconds, 1) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
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
