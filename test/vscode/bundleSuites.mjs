// Shared by both runners: bundles the mocha suites for the extension host and copies the fixture workspace.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '../..');
const suiteDir = path.join(root, 'test/vscode/suite');
const suiteOutDir = path.join(root, '.vscode-test/suite');
const fixtureWorkspace = path.join(root, 'test/vscode/fixtures/workspace');

/**
 * Bundles test/vscode/suite/index.ts and every *.test.ts next to it into .vscode-test/suite/ (vscode and mocha stay
 * external: the extension host provides the first, the repository's node_modules the second). Returns the bundled
 * index, the `extensionTestsPath`.
 */
export async function bundleSuites() {
  fs.rmSync(suiteOutDir, { recursive: true, force: true });
  const entryPoints = fs
    .readdirSync(suiteDir)
    .filter((name) => name === 'index.ts' || name.endsWith('.test.ts'))
    .map((name) => path.join(suiteDir, name));
  await esbuild.build({
    entryPoints,
    outdir: suiteOutDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return path.join(suiteOutDir, 'index.js');
}

/**
 * Copies the fixture workspace to `<tmp>/<name>`, so that tests may change it; returns the copy's path. With `apiBaseUrl`
 * every task of the copy's gpt-batch.json calls that API (the simulator) and logs no metrics; Anthropic's SDK adds
 * `/v1/...` itself, so tasks of provider anthropic get the simulator's root.
 */
export function copyFixture(tmp, name, apiBaseUrl) {
  const workspace = path.join(tmp, name);
  fs.cpSync(fixtureWorkspace, workspace, { recursive: true });
  if (apiBaseUrl !== undefined) {
    const file = path.join(workspace, 'gpt-batch.json');
    const taskFile = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const task of Object.values(taskFile.tasks)) {
      Object.assign(task, { client_base_url: task.provider === 'anthropic' ? apiBaseUrl.replace(/\/v1$/, '') : apiBaseUrl, wandb: false });
    }
    fs.writeFileSync(file, `${JSON.stringify(taskFile, null, 2)}\n`);
  }
  return workspace;
}

/**
 * Starts the simulator of the built CLI (`gpt-batch sim`) as a child on a free port; resolves with its base URL and
 * a `stop()` once it listens.
 */
export function startSimulatorChild(batchSeconds = 0.5) {
  const child = spawn(process.execPath, [path.join(root, 'dist/cli.js'), 'sim', '--port', '0', '--batch_seconds', String(batchSeconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (\S+)/.exec(output);
      if (match) resolve({ baseUrl: match[1], stop: () => (child.kill('SIGTERM'), exited) });
    });
    child.once('exit', (code) => reject(new Error(`gpt-batch sim exited with code ${code} before listening:\n${output}`)));
  });
}
