// Shared by both runners: bundles the mocha suites for the extension host and copies the fixture workspace.
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

/** Copies the fixture workspace to `<tmp>/<name>`, so that tests may change it; returns the copy's path. */
export function copyFixture(tmp, name) {
  const workspace = path.join(tmp, name);
  fs.cpSync(fixtureWorkspace, workspace, { recursive: true });
  return workspace;
}
