import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { SimulatorOptions } from '../../src/sim/simulator';

/** A simulator running in a child process. */
export interface SimProcess {
  /** `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  /** Closes the simulator and waits for its process to exit. */
  stop(): Promise<void>;
}

/** Starts the simulator in a child process (see simChild.ts) and resolves once it listens. */
export function startSimProcess(options: SimulatorOptions): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'simChild.ts'), JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise<SimProcess>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const newline = output.indexOf('\n');
      if (newline < 0) return;
      child.stdout?.off('data', onData);
      child.off('exit', onEarlyExit);
      const { baseUrl } = JSON.parse(output.slice(0, newline)) as { baseUrl: string };
      resolve({ baseUrl, stop: () => stopChild(child, exited) });
    };
    const onEarlyExit = (code: number | null) => reject(new Error(`The simulator process exited with code ${code} before it listened`));
    child.stdout?.on('data', onData);
    child.once('exit', onEarlyExit);
    child.once('error', reject);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  child.stdin?.end();
  await exited;
}
