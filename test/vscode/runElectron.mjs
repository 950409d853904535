// Runs the suites of test/vscode/suite in desktop VS Code through @vscode/test-electron (`npm run test:electron`).
// It downloads VS Code from update.code.visualstudio.com, which the CI machines cannot reach, so CI runs the same
// suites in code-server instead (test/vscode/run.mjs). Use this on a machine with that access; on Linux without a
// display, wrap it in xvfb-run. VSCODE_VERSION picks the VS Code version (default: stable). mocha 12 needs Node
// >= 20.19, so versions whose Electron ships an older Node cannot run these suites.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { bundleSuites, copyFixture } from './bundleSuites.mjs';

const root = path.resolve(import.meta.dirname, '../..');

async function main() {
  const testsIndex = await bundleSuites();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-electron-'));
  const resultsFile = path.join(tmp, 'suite-results.json');
  try {
    // runTests rejects when VS Code exits non-zero; the counts are read from the results file either way.
    let runError;
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: testsIndex,
      extensionTestsEnv: { GPT_BATCH_TEST_RESULTS: resultsFile },
      launchArgs: [
        copyFixture(tmp, 'workspace'),
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--user-data-dir',
        path.join(tmp, 'user'),
      ],
    }).catch((error) => (runError = error));
    if (runError) console.error(runError);
    const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : { passed: 0, failed: 1 };
    console.log(`${results.passed} passed, ${results.failed} failed`);
    process.exitCode = runError === undefined && results.failed === 0 ? 0 : 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
