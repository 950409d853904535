import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { FileStore } from '../../src/engine/store/fileStore';

/** Wall time and this process's CPU time (user + system) of an async body, in milliseconds. */
export async function measure<T>(body: () => Promise<T> | T): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const value = await body();
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** A store commit's start and end (performance.now() milliseconds). */
export interface TimedCommit {
  start: number;
  end: number;
}

/** Every store commit while installed; `stop` puts the original commit back. */
export interface CommitTimer {
  readonly commits: TimedCommit[];
  /** Durations of the commits so far, in milliseconds. */
  durationsMs(): number[];
  stop(): void;
}

/** Times every `FileStore` commit (all stores of this process) until stopped. */
export function timeCommits(): CommitTimer {
  const original = FileStore.prototype.commitChanges;
  const commits: TimedCommit[] = [];
  FileStore.prototype.commitChanges = async function timedCommit(this: FileStore, changes, writes) {
    const start = performance.now();
    try {
      return await original.call(this, changes, writes);
    } finally {
      commits.push({ start, end: performance.now() });
    }
  };
  return {
    commits,
    durationsMs: () => commits.map((c) => c.end - c.start),
    stop: () => {
      FileStore.prototype.commitChanges = original;
    },
  };
}

/** The process's peak resident set size in MB (VmHWM), or the current RSS where /proc is unavailable. */
export function peakRssMb(): number {
  const status = '/proc/self/status';
  const match = existsSync(status) ? /^VmHWM:\s+([0-9]+) kB$/m.exec(readFileSync(status, 'utf8')) : null;
  if (match) return Math.round(Number(match[1]) / 1024);
  return Math.round(process.memoryUsage().rss / 1024 / 1024);
}

/** The 1-, 5- and 15-minute load averages and the CPU count, e.g. `6.27 6.23 5.43 on 2 CPUs`. */
export function machineLoad(): string {
  return `${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
