import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The repository root and the bundled CLI that the tests run. */
export const repoRoot = path.join(__dirname, '..', '..', '..');
export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

/** The seed's `MODELARGS`: gpt-4o-mini pricing per million tokens. */
export const modelArgs = [
  '--model', 'gpt-4o-mini-2024-07-18',
  '--cost_input_direct_mtoken', '0.150',
  '--cost_input_cached_mtoken', '0.075',
  '--cost_input_batch_mtoken', '0.075',
  '--cost_output_direct_mtoken', '0.600',
  '--cost_output_batch_mtoken', '0.300',
];

let built = false;

/** Bundles `dist/cli.js` once per test process (`npm run build`). */
export function buildCli(): void {
  if (built) return;
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'pipe' });
  built = true;
}

/** The environment of a CLI child: the test's own, without the API settings that would change what it talks to. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ENDPOINT', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID', 'WANDB_API_KEY', 'WANDB_MODE']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** How a CLI child ended and what it printed. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI child whose output is collected as it arrives. */
export class CliChild {
  readonly process: ChildProcess;
  readonly exited: Promise<CliResult>;
  private out = '';
  private err = '';
  private waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];

  constructor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.process = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd ?? repoRoot, env: options.env ?? cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout?.on('data', (chunk: Buffer) => {
      this.out += chunk.toString();
      this.notify();
    });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.err += chunk.toString();
      this.notify();
    });
    this.exited = new Promise((resolve, reject) => {
      this.process.on('error', reject);
      this.process.on('close', (code, signal) => resolve({ code, signal, stdout: this.out, stderr: this.err }));
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** Resolves with the first match of pattern in stdout + stderr; rejects if the child ends first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray> {
    const found = pattern.exec(this.out + this.err);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pattern, resolve });
      void this.exited.then((result) => reject(new Error(`CLI exited (${result.code ?? result.signal}) before printing ${pattern}:\n${result.stdout}\n${result.stderr}`)));
    });
  }

  private notify(): void {
    const text = this.out + this.err;
    this.waiters = this.waiters.filter((waiter) => {
      const match = waiter.pattern.exec(text);
      if (match) waiter.resolve(match);
      return !match;
    });
  }

  /** Ends the child with SIGKILL if it is still running (for cleanup after a failed test). */
  killIfRunning(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new CliChild(args, options).exited;
}

/** Describes a result for assertion messages: exit code and the tail of the output. */
export function describeResult(result: CliResult, tailLines = 40): string {
  const tail = (text: string) => text.split('\n').slice(-tailLines).join('\n');
  return `exit ${result.code ?? result.signal}\n--- stdout (tail) ---\n${tail(result.stdout)}\n--- stderr (tail) ---\n${tail(result.stderr)}`;
}
