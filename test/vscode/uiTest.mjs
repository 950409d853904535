// The UI test: drives the installed extension through the workbench in Chromium, the way a user would, and saves a
// screenshot after each step. Selectors are the workbench's own classes (stable across VS Code releases so far).
import * as fs from 'node:fs';
import * as path from 'node:path';

const timeout = 60_000;

/**
 * Resolves with the match of `pattern` in the extension's log files under `userDataDir` (one per window), polling
 * until it appears: the output panel wraps and virtualises long lines, the file has them whole.
 */
async function extensionLogMatch(userDataDir, pattern) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const logs = fs.readdirSync(path.join(userDataDir, 'logs'), { recursive: true }).filter((file) => path.basename(file) === 'GPT Batch.log');
    for (const log of logs) {
      const match = pattern.exec(fs.readFileSync(path.join(userDataDir, 'logs', log), 'utf8'));
      if (match) return match;
    }
    if (Date.now() > deadline) throw new Error(`no GPT Batch.log under ${userDataDir}/logs matched ${pattern} within ${timeout / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function openGptBatchView(page) {
  await page.locator('.activitybar [aria-label*="GPT Batch"]').first().click({ timeout });
}

/** Opens the command palette with `query` typed in and waits until a row with `rowText` is listed. */
async function palette(page, query, rowText) {
  // A quick input that is still closing (the previous command's) would take the key press, or hide the palette's
  // input while it is being filled: wait until none is shown.
  await page.locator('.quick-input-widget').first().waitFor({ state: 'hidden', timeout });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input').first();
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(query);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: rowText }).first();
  await row.waitFor({ timeout });
  return row;
}

/** Runs the command of that title from the palette: its row is clicked, since Enter runs whichever row is first (typing "Set API Key" lists "Set Anthropic API Key" above it). */
async function runCommand(page, title) {
  const row = await palette(page, `>${title}`, title);
  await row.click({ timeout });
}

async function loadWorkbench(page, url) {
  await page.goto(url);
  await page.locator('.monaco-workbench .activitybar').waitFor({ timeout: 60_000 });
}

export async function runUiTest({ browser, server, installed, workspace, emptyWorkspace, screenshotsDir, check }) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const shot = (name) => page.screenshot({ path: `${screenshotsDir}/${name}.png` });
  try {
    await check('the workbench loads the fixture workspace', () => loadWorkbench(page, server.workspaceUrl(workspace)));

    await check('the GPT Batch activity item opens the tasks view listing the tasks', async () => {
      await openGptBatchView(page);
      await page.locator('.monaco-list-row', { hasText: 'char_codes' }).waitFor({ timeout });
      await page.locator('.monaco-list-row', { hasText: 'utterance_emotion' }).waitFor({ timeout });
      await shot('1-tasks-view');
    });

    await check('GPT Batch: Show Log from the palette shows the log channel', async () => {
      await runCommand(page, 'GPT Batch: Show Log');
      // Any line of the channel: the panel shows its end, so the first line may have scrolled out of view.
      await page.locator('.part.panel .view-line', { hasText: /\[(info|warning|error)\]/ }).first().waitFor({ timeout });
      await shot('2-show-log');
    });

    await check('GPT Batch: Check Engine opens SQLite with the libsql addon inside the installed extension', async () => {
      await runCommand(page, 'GPT Batch: Check Engine');
      const [, version, addon] = await extensionLogMatch(installed.userDataDir, /Engine answered ping: .*, SQLite (3\.\d+\.\d+) from (\S+)/);
      if (!addon.startsWith(`${installed.extensionsDir}${path.sep}`)) throw new Error(`SQLite ${version} was opened with ${addon}, outside ${installed.extensionsDir}`);
      await shot('2-check-engine');
    });

    await check('the status bar item reads "GPT Batch" and its click reveals the tasks view', async () => {
      const item = page.locator('.statusbar-item', { hasText: 'GPT Batch' }).first();
      await item.waitFor({ timeout });
      const text = (await item.innerText()).trim();
      if (text !== 'GPT Batch') throw new Error(`status bar text is "${text}"`);
      await runCommand(page, 'View: Show Explorer');
      await page.locator('.monaco-list-row', { hasText: 'char_codes' }).waitFor({ state: 'hidden', timeout });
      await item.click();
      await page.locator('.monaco-list-row', { hasText: 'char_codes' }).waitFor({ timeout });
      await shot('3-status-bar');
    });

    await check('Set API Key asks in a password box, after which Clear API Key is offered', async () => {
      await palette(page, '>GPT Batch:', 'Set API Key');
      const offered = await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Clear API Key' }).count();
      if (offered !== 0) throw new Error('Clear API Key is offered before a key is set');
      await page.keyboard.press('Escape');
      await runCommand(page, 'GPT Batch: Set API Key');
      const password = page.locator('.quick-input-widget input[type="password"]');
      await password.waitFor({ timeout });
      await password.fill('sk-ui-test-not-a-real-key');
      await shot('4-api-key-input');
      await page.keyboard.press('Enter');
      await password.waitFor({ state: 'hidden', timeout });
      await runCommand(page, 'GPT Batch: Clear API Key');
    });

    await check('Run Task from the palette runs against the simulator; the status bar shows the cost; a request preview opens', async () => {
      await runCommand(page, 'GPT Batch: Set API Key');
      const password = page.locator('.quick-input-widget input[type="password"]');
      await password.waitFor({ timeout });
      await password.fill('sk-ui-test-not-a-real-key');
      await page.keyboard.press('Enter');
      await password.waitFor({ state: 'hidden', timeout });
      await openGptBatchView(page);
      await runCommand(page, 'GPT Batch: Run Task');
      const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'char_codes' }).first();
      await pick.waitFor({ timeout });
      await pick.click();
      const running = page.locator('.statusbar-item', { hasText: 'queued' }).first();
      await running.waitFor({ timeout: 120_000 });
      const costText = (await running.innerText()).trim();
      if (!/^char_codes [\d.]+% · \d+\.\d+ session · \d+\.\d+ task · \d+\.\d+ queued/.test(costText)) throw new Error(`status bar text while running is "${costText}"`);
      await shot('7-running-status-bar');
      // After the run the item keeps the task's figures, with a check mark in place of the spinner.
      await page.locator('.statusbar-item:has(.codicon-check)', { hasText: /char_codes [\d.]+% · \d+\.\d+ session/ }).first().waitFor({ timeout: 240_000 });
      await runCommand(page, 'GPT Batch: Focus on Tasks View');
      const row = (text) => page.locator('.sidebar .monaco-list-row', { hasText: text }).first();
      await row('char_codes').click({ timeout });
      await row('Remote batches').click({ timeout });
      await row('Batch ').waitFor({ timeout });
      await shot('8-tree-batches');
      await row('Succeeded samples').click({ timeout });
      const sample = row(/^\s*\d+/);
      await sample.waitFor({ timeout });
      await shot('9-tree-samples');
      await runCommand(page, 'GPT Batch: Preview Requests');
      const count = page.locator('.quick-input-widget input').first();
      await count.waitFor({ timeout });
      const taskPick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'char_codes' }).first();
      await taskPick.click({ timeout });
      // The count box replaces the task pick in the same widget: wait for its title, or Enter would reach the pick.
      await page.locator('.quick-input-widget', { hasText: 'Number of requests' }).first().waitFor({ timeout });
      await page.keyboard.press('Enter');
      await page.locator('.tab', { hasText: '.request.json' }).first().waitFor({ timeout });
      await shot('10-request-preview');
      await runCommand(page, 'GPT Batch: Clear API Key');
    });

    await check('Open Dashboard from the tree draws the run\'s charts in a webview', async () => {
      const row = page.locator('.sidebar .monaco-list-row', { hasText: 'char_codes' }).first();
      await row.hover({ timeout });
      await row.locator('.action-label[aria-label*="Open Dashboard"]').click({ timeout });
      await page.locator('.tab', { hasText: 'Dashboard · char_codes' }).first().waitFor({ timeout });
      const dashboard = page.frameLocator('iframe.webview').frameLocator('#active-frame');
      // A chart with data has a caption under its SVG; one without shows a sentence instead.
      for (const chart of ['progress', 'caps', 'timeline', 'costs', 'ratios']) {
        await dashboard.locator(`#${chart} .caption`).waitFor({ timeout });
        await dashboard.locator(`#${chart} svg`).waitFor({ timeout });
      }
      const batches = await dashboard.locator('#timeline svg rect.bar').count();
      if (batches === 0) throw new Error('the timeline drew no batch');
      await shot('11-dashboard');
    });

    await check('a folder without a task file shows the welcome view, whose button creates one', async () => {
      await loadWorkbench(page, server.workspaceUrl(emptyWorkspace));
      await openGptBatchView(page);
      const welcome = page.locator('.welcome-view-content', { hasText: 'no gpt-batch.json' });
      await welcome.waitFor({ timeout });
      await shot('5-welcome-view');
      await welcome.getByRole('button', { name: 'Create Task File' }).click({ timeout });
      await page.locator('.monaco-list-row', { hasText: 'char_codes' }).waitFor({ timeout });
      await page.locator('.tab', { hasText: 'gpt-batch.json' }).first().waitFor({ timeout });
      await shot('6-task-file-created');
    });
  } finally {
    await page.close();
  }
}
