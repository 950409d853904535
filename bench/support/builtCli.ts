import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The built command, `dist/cli.js` (`npm run bench` builds it first). */
export const builtCli = path.join(__dirname, '..', '..', 'dist', 'cli.js');

/** The Node flags after `node` on the first line of the built CLI, which the installed `gpt-batch` runs with. */
function cliNodeFlags(): string[] {
  const shebang = readFileSync(builtCli, 'utf8').split('\n', 1)[0] ?? '';
  const match = /\bnode((?:\s+--\S+)*)\s*$/.exec(shebang);
  if (!match) throw new Error(`${builtCli} does not start with a #! line that runs node: ${shebang}`);
  return (match[1] ?? '').trim().split(/\s+/).filter((flag) => flag !== '');
}

// The child reports its own peak RSS and CPU time as it exits, so no external tool is needed to measure them.
const reportPeakRss =
  "process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write(`peak_rss_kb=${u.maxRSS} cpu_us=${u.userCPUTime + u.systemCPUTime}\\n`); })";

/**
 * The arguments for `process.execPath` that run the built CLI with `cliArgs` as `gpt-batch` runs it, the child
 * writing `peak_rss_kb=N cpu_us=M` to its stderr as it exits (read them with `peakRssMbOf` and `cpuMsOf`).
 */
export function measuredCliArgs(cliArgs: string[]): string[] {
  return [...cliNodeFlags(), '--eval', `${reportPeakRss}; process.argv.splice(1, 0, ${JSON.stringify(builtCli)}); require(${JSON.stringify(builtCli)})`, ...cliArgs];
}

/** The peak RSS in MB a child started with `measuredCliArgs` wrote to `stderr`, or undefined if it wrote none. */
export function peakRssMbOf(stderr: string): number | undefined {
  const peak = /peak_rss_kb=([0-9]+)/.exec(stderr);
  return peak ? Number(peak[1]) / 1024 : undefined;
}

/** The CPU time (user + system) in ms a child started with `measuredCliArgs` wrote to `stderr`, or undefined. */
export function cpuMsOf(stderr: string): number | undefined {
  const cpu = /cpu_us=([0-9]+)/.exec(stderr);
  return cpu ? Number(cpu[1]) / 1000 : undefined;
}
