import { spawn, type ChildProcess } from 'node:child_process';
import { buildSync } from 'esbuild';
import path from 'node:path';

/** A child process running a script, with its stdout collected as lines. */
export interface Child {
  process: ChildProcess;
  lines: string[];
  /** Resolves with the first stdout line (already received or future) that matches. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** Resolves when the process has exited, with its exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Bundles a TypeScript script into one JavaScript file in outDir, so that it starts fast when run many times. */
export function bundleScript(script: string, outDir: string): string {
  const outfile = path.join(outDir, `${path.basename(script, '.ts')}.js`);
  buildSync({ entryPoints: [script], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'silent' });
  return outfile;
}

/** Runs a script: a `.ts` file through tsx, a `.js` file directly. */
export function startChild(script: string, args: string[] = []): Child {
  const nodeArgs = script.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs'), script] : [script];
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let partial = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const pieces = (partial + text).split('\n');
    partial = pieces.pop() ?? '';
    for (const line of pieces) {
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.pattern.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const waitForLine = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return resolve(seen);
      waiters.push({ pattern, resolve });
      void exited.then(({ code, signal }) =>
        reject(new Error(`child exited (code ${code}, signal ${signal}) before printing ${pattern}; stderr:\n${stderr}`)),
      );
    });
  return { process: child, lines, waitForLine, exited };
}
