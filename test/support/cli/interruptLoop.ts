import assert from 'node:assert/strict';
import { CliChild, describeResult, type CliResult } from './cliProcess';

/** How one run of an interrupt loop ended. */
export interface InterruptedRun {
  signal: 'SIGINT' | 'SIGKILL' | 'none';
  /** How far the run had got (in the loop's progress measure) when it was signalled. */
  signalledAt: number;
  result: CliResult;
}

/** What `interruptUntilComplete` did. */
export interface InterruptLoopReport {
  runs: InterruptedRun[];
  /** Runs that a signal ended before they finished by themselves. */
  interrupts: number;
}

/** One line per run: the signal, the progress at which it was sent and how the run ended. */
export function describeRuns(runs: InterruptedRun[]): string {
  return runs.map((run, index) => `run ${index}: ${run.signal} at progress ${run.signalledAt} → ${run.result.code ?? run.result.signal}`).join('\n');
}

const completeLine = /Task '[^']+' is complete/;
const startedLine = /Running task manager for task/;
const safePointLine = /Stopped at a safe point/;

/** Polls `progress` until it reaches `target` or the child ends; true if it was reached with the child running. */
async function reached(child: CliChild, progress: () => Promise<number>, target: number): Promise<boolean> {
  let ended = false;
  void child.exited.then(() => {
    ended = true;
  });
  while (!ended) {
    if ((await progress()) >= target) return !ended;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/**
 * Runs `args` again and again: run i gets `signals[i]` once the run has made `stepOf(i)` units of `progress` (a
 * count the simulator reports, such as answered requests) since it started, an observed point of the run rather
 * than a guessed delay; then runs go on without signals until one reports the task complete. Asserts that every
 * Ctrl+C run exits 0 saying it stopped at a safe point (or completed), and that no run fails.
 */
export async function interruptUntilComplete(
  args: string[],
  options: { signals: ('SIGINT' | 'SIGKILL')[]; progress: () => Promise<number>; stepOf: (run: number) => number; maxCleanRuns?: number },
): Promise<InterruptLoopReport> {
  const runs: InterruptedRun[] = [];
  let interrupts = 0;
  const history = () => describeRuns(runs);
  for (let attempt = 0; attempt < options.signals.length + (options.maxCleanRuns ?? 5); attempt += 1) {
    const signal = options.signals[attempt] ?? 'none';
    const child = new CliChild(args);
    let signalledAt = 0;
    try {
      if (signal !== 'none') {
        await child.waitFor(startedLine);
        const base = await options.progress();
        if (await reached(child, options.progress, base + options.stepOf(attempt))) {
          signalledAt = (await options.progress()) - base;
          child.process.kill(signal);
        }
      }
      const result = await child.exited;
      runs.push({ signal, signalledAt, result });
      const endedBySignal = result.signal !== null || safePointLine.test(result.stdout);
      if (signal === 'SIGKILL' && endedBySignal) interrupts += 1;
      if (signal === 'SIGINT') {
        assert.equal(result.code, 0, `Ctrl+C run ${attempt} did not exit 0\n${describeResult(result)}\n${history()}`);
        if (safePointLine.test(result.stdout)) interrupts += 1;
        else assert.match(result.stdout, completeLine, `Ctrl+C run ${attempt} neither stopped at a safe point nor completed\n${describeResult(result)}`);
      } else if (signal === 'none' || !endedBySignal) {
        assert.equal(result.code, 0, `run ${attempt} failed\n${describeResult(result)}\n${history()}`);
      }
      if (attempt >= options.signals.length && result.code === 0 && completeLine.test(result.stdout)) return { runs, interrupts };
    } finally {
      child.killIfRunning();
    }
  }
  assert.fail(`the task did not complete in ${options.maxCleanRuns ?? 5} runs without interrupts\n${history()}\n${describeResult(runs[runs.length - 1]?.result ?? { code: null, signal: null, stdout: '', stderr: '' })}`);
}
