import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Test entry loaded by the extension host (`extensionTestsPath`): runs every `*.test.js` bundled next to this file.
 * When GPT_BATCH_TEST_RESULTS names a file, the pass and fail counts are written there as JSON for the runner.
 */
export async function run(): Promise<void> {
  // Imported, not required: mocha 12 is an ES module, which older Electron builds of VS Code cannot require().
  const { default: Mocha } = await import('mocha');
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, reporter: 'spec' });
  // The output goes to logs, and mocha's pass and fail symbols come pre-coloured whenever CI is set.
  Mocha.reporters.Base.symbols.ok = '✔';
  Mocha.reporters.Base.symbols.err = '✖';
  for (const file of fs.readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  await mocha.loadFilesAsync();
  // The runner prints only what comes between these markers; the workbench's own console output stays out.
  console.log('[gpt-batch suites start]');
  const stats = await new Promise<{ passed: number; failed: number }>((resolve) => {
    const runner = mocha.run(() => resolve({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0 }));
  });
  console.log('[gpt-batch suites end]');
  const resultsFile = process.env['GPT_BATCH_TEST_RESULTS'];
  if (resultsFile !== undefined) fs.writeFileSync(resultsFile, JSON.stringify(stats));
  if (stats.failed > 0) throw new Error(`${stats.failed} of ${stats.passed + stats.failed} tests failed`);
}
