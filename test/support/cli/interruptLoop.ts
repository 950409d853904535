import assert from 'node:assert/strict';
import { CliChild, describeResult, type CliResult } from './cliProcess';

/** How one run of an interrupt loop ended. */
export interface InterruptedRun {
  signal: 'SIGINT' | 'SIGKILL' | 'none';
  delayMs: number;
  result: CliResult;
}

/** What `interruptUntilComplete` did. */
export interface InterruptLoopReport {
  runs: InterruptedRun[];
  /** Runs that a signal ended before they finished by themselves. */
  interrupts: number;
}

/** One line per run: the signal, its delay and how the run ended. */
export function describeRuns(runs: InterruptedRun[]): string {
  return runs.map((run, index) => `run ${index}: ${run.signal} after ${Math.round(run.delayMs)} ms → ${run.result.code ?? run.result.signal}`).join('\n');
}

const completeLine = /Task '[^']+' is complete/;
const startedLine = /Running task manager for task/;
const safePointLine = /Stopped at a safe point/;

/**
 * Runs `args` again and again: the first `interrupts` runs get SIGINT or SIGKILL (alternating, starting with
 * `firstSignal`) after a random delay of up to `maxDelayMs` from the moment the task manager starts; then runs go
 * on without signals until one reports the task complete. Asserts that every Ctrl+C run exits 0 saying it stopped at
 * a safe point (or completed), and that no run fails. The delays are printed when an assertion fails.
 */
export async function interruptUntilComplete(
  args: string[],
  options: { interrupts: number; maxDelayMs: number; maxCleanRuns?: number; random?: () => number },
): Promise<InterruptLoopReport> {
  const random = options.random ?? Math.random;
  const runs: InterruptedRun[] = [];
  let interrupts = 0;
  const history = () => describeRuns(runs);
  for (let attempt = 0; attempt < options.interrupts + (options.maxCleanRuns ?? 5); attempt += 1) {
    const signal = attempt >= options.interrupts ? 'none' : attempt % 2 === 0 ? 'SIGINT' : 'SIGKILL';
    const child = new CliChild(args);
    let delayMs = 0;
    try {
      if (signal !== 'none') {
        await child.waitFor(startedLine);
        delayMs = random() * options.maxDelayMs;
        const stillRunning = await Promise.race([new Promise<boolean>((resolve) => setTimeout(() => resolve(true), delayMs)), child.exited.then(() => false)]);
        if (stillRunning) child.process.kill(signal);
      }
      const result = await child.exited;
      runs.push({ signal, delayMs, result });
      const endedBySignal = result.signal !== null || safePointLine.test(result.stdout);
      if (signal === 'SIGKILL' && endedBySignal) interrupts += 1;
      if (signal === 'SIGINT') {
        assert.equal(result.code, 0, `Ctrl+C run ${attempt} did not exit 0\n${describeResult(result)}\n${history()}`);
        if (safePointLine.test(result.stdout)) interrupts += 1;
        else assert.match(result.stdout, completeLine, `Ctrl+C run ${attempt} neither stopped at a safe point nor completed\n${describeResult(result)}`);
      } else if (signal === 'none' || !endedBySignal) {
        assert.equal(result.code, 0, `run ${attempt} failed\n${describeResult(result)}\n${history()}`);
      }
      if (attempt >= options.interrupts && result.code === 0 && completeLine.test(result.stdout)) return { runs, interrupts };
    } finally {
      child.killIfRunning();
    }
  }
  assert.fail(`the task did not complete in ${options.maxCleanRuns ?? 5} runs without interrupts\n${history()}\n${describeResult(runs[runs.length - 1]?.result ?? { code: null, signal: null, stdout: '', stderr: '' })}`);
}
