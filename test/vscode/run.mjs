// Runs the extension in a real VS Code: code-server (VS Code 1.139 with a real Node extension host) driven by headless
// Debian Chromium. Install both first with `bash test/vscode/install.sh`; `npm run test:vscode` packages the extension
// and then runs this file.
//   1. The mocha suites of test/vscode/suite run inside the extension host, with this repository loaded as the
//      development extension on a temporary copy of test/vscode/fixtures/workspace.
//   2. The packaged gpt-batch.vsix is installed into a fresh extensions folder with `code-server --install-extension`,
//      and the installed copy is checked to carry libsql and its native addon as the build copied them.
//   3. The UI test (test/vscode/uiTest.mjs) drives that installed extension through the workbench with Playwright and
//      saves screenshots in test-results/vscode/.
// The last line printed is `N passed, N failed`; the exit code is 1 if anything failed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { bundleSuites, copyFixture, startSimulatorChild } from './bundleSuites.mjs';
import { assertInstalled, installExtension, launchBrowser, listExtensions, root, startCodeServer, tail } from './codeServer.mjs';
import { runUiTest } from './uiTest.mjs';

const vsix = path.join(root, 'gpt-batch.vsix');
const screenshotsDir = path.join(root, 'test-results/vscode');
const suitesTimeoutMs = 5 * 60_000;
/** Lines test/vscode/suite/index.ts prints around the mocha run. */
const suitesStartMarker = '[gpt-batch suites start]';
const suitesEndMarker = '[gpt-batch suites end]';

const totals = { passed: 0, failed: 0 };

/** `relative/path size` of every file under `dir`, sorted; empty if `dir` does not exist. */
function filesWithSizes(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return `${path.relative(dir, file)} ${fs.statSync(file).size}`;
    })
    .sort();
}

/** Records one check of the runner itself (not a mocha test) and prints it like mocha's spec reporter. */
async function check(title, body) {
  const started = Date.now();
  try {
    await body();
    totals.passed++;
    console.log(`  ✔ ${title} (${Date.now() - started} ms)`);
  } catch (error) {
    totals.failed++;
    console.log(`  ✘ ${title}\n${String(error.stack ?? error).replace(/^/gm, '      ')}`);
  }
}

/** Runs the mocha suites in the extension host; returns mocha's counts, or undefined if the suites never reported. */
async function runSuites(tmp, browser, testsIndex, simulator) {
  const resultsFile = path.join(tmp, 'suite-results.json');
  const server = await startCodeServer({
    tmp,
    name: 'suites',
    userDataDir: path.join(tmp, 'suites-user'),
    extensionsDir: path.join(tmp, 'suites-extensions'),
    smokeTestDriver: true,
    // Without ANTHROPIC_API_KEY, the key an Anthropic run uses is the one the suites store (spawn drops undefined values).
    env: { GPT_BATCH_TEST_RESULTS: resultsFile, GPT_BATCH_TEST_SIM_URL: simulator.baseUrl, ANTHROPIC_API_KEY: undefined },
  });
  const page = await browser.newPage();
  try {
    // The workbench forwards its own console too; only the suites' lines are printed, the rest if the suites never start.
    const workbenchLines = [];
    let inSuites = false;
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const line = format(...args);
      if (line === suitesStartMarker) inSuites = true;
      else if (line === suitesEndMarker) inSuites = false;
      else if (inSuites) console.log(line);
      else workbenchLines.push(line);
    });
    let reportExit;
    const exitCode = new Promise((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationExit', (code) => reportExit(code));
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${server.authority}${root}`],
      ['extensionTestsPath', `vscode-remote://${server.authority}${testsIndex}`],
    ];
    await page.goto(server.workspaceUrl(copyFixture(tmp, 'suites-workspace', simulator.baseUrl), payload));
    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(resolve, suitesTimeoutMs, 'timeout')));
    const code = await Promise.race([exitCode, timedOut]);
    clearTimeout(timer);
    if (code === 'timeout') console.log(`The suites did not finish within ${suitesTimeoutMs / 1000} s`);
    if (!fs.existsSync(resultsFile)) {
      console.log(`The suites reported no results (exit code ${code}). Workbench console:\n${workbenchLines.join('\n')}`);
      console.log(`code-server log:\n${tail(server.logFile)}`);
      return undefined;
    }
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    // An extension failing to activate shows up in the workbench console, before the suites start.
    if (results.failed > 0) console.log(`Workbench console before the suites:\n${workbenchLines.join('\n')}`);
    return results;
  } finally {
    await page.close();
    await server.stop();
  }
}

async function main() {
  assertInstalled();
  if (!fs.existsSync(path.join(root, 'dist/extension.js'))) throw new Error('dist/extension.js is missing; run npm run build');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-batch-vscode-'));
  const started = Date.now();
  const browser = await launchBrowser();
  // Batches of 2 s, not 0.5 s: the stop-and-resume suite must see a remote batch and list its requests before the
  // batch completes, which on a loaded machine 0.5 s did not always leave time for.
  const simulator = await startSimulatorChild(2);
  try {
    const testsIndex = await bundleSuites();
    console.log('Suites in the extension host (extension loaded from this repository):');
    const suites = await runSuites(tmp, browser, testsIndex, simulator);
    if (suites === undefined) totals.failed++;
    else {
      totals.passed += suites.passed;
      totals.failed += suites.failed;
    }
    console.log(`Suites finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    console.log('Packaged extension:');
    const installed = { tmp, userDataDir: path.join(tmp, 'ui-user'), extensionsDir: path.join(tmp, 'ui-extensions') };
    await check('gpt-batch.vsix installs into code-server with --install-extension', () => {
      if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing; run npm run package`);
      const { ok, output } = installExtension(vsix, installed);
      if (!ok) throw new Error(`install failed:\n${output}`);
      const ids = listExtensions(installed);
      if (!ids.includes('gpt-batch.gpt-batch')) throw new Error(`--list-extensions does not list gpt-batch.gpt-batch: ${ids.join(', ')}`);
    });
    await check('the installed extension carries libsql with its linux-x64 addon in dist/node_modules, file for file as built', () => {
      const folders = fs.readdirSync(installed.extensionsDir).filter((name) => name.startsWith('gpt-batch.gpt-batch-'));
      if (folders.length !== 1) throw new Error(`expected one gpt-batch folder in ${installed.extensionsDir}, found: ${folders.join(', ') || 'none'}`);
      const built = filesWithSizes(path.join(root, 'dist/node_modules'));
      if (!built.some((line) => line.startsWith(`${path.join('@libsql', 'linux-x64-gnu', 'index.node')} `))) {
        throw new Error(`dist/node_modules has no @libsql/linux-x64-gnu/index.node; run npm run build:\n${built.join('\n')}`);
      }
      const shipped = filesWithSizes(path.join(installed.extensionsDir, folders[0], 'dist/node_modules'));
      assert.deepEqual(shipped, built, 'dist/node_modules of the installed extension differs from the build');
    });

    console.log('\nUI test (the installed .vsix, driven through the workbench):');
    fs.rmSync(screenshotsDir, { recursive: true, force: true });
    fs.mkdirSync(screenshotsDir, { recursive: true });
    const server = await startCodeServer({ ...installed, name: 'ui' });
    try {
      const emptyWorkspace = path.join(tmp, 'ui-empty-workspace');
      fs.mkdirSync(emptyWorkspace);
      await runUiTest({ browser, server, installed, workspace: copyFixture(tmp, 'ui-workspace', simulator.baseUrl), emptyWorkspace, screenshotsDir, check });
    } finally {
      await server.stop();
    }
  } finally {
    await simulator.stop();
    await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\nReal-VS Code tests finished in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(root, screenshotsDir)}/`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  process.exitCode = totals.failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  console.log(`${totals.passed} passed, ${totals.failed + 1} failed`);
  process.exitCode = 1;
});
