import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunResult } from '../../../src/protocol/messages';
import type { TaskSnapshot } from '../../../src/shared/taskSnapshot';
import { extensionApi } from './extensionApi';
import { taskRow } from './treeRows';

// A char_codes demo nobody ran before: 1140 requests once generated.
const task = 'estimated';

async function simRoutes(): Promise<Record<string, number>> {
  const url = process.env['GPT_BATCH_TEST_SIM_URL'];
  assert.ok(url, 'GPT_BATCH_TEST_SIM_URL is not set; run these suites through test/vscode/run.mjs');
  return ((await (await fetch(`${new URL(url).origin}/__sim/stats`)).json()) as { routes: Record<string, number> }).routes;
}

async function snapshot(name: string): Promise<TaskSnapshot> {
  const row = await taskRow(name);
  assert.ok(row.kind === 'task' && row.snapshot, `task '${name}' has no snapshot`);
  return row.snapshot;
}

async function setting(key: 'confirmCostAbove' | 'pilotRequests', value: number | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('gptBatch').update(key, value, vscode.ConfigurationTarget.Workspace);
}

/** For the tests of the enclosing describe: the OpenAI key set, and Run asking above 0.0001; cleared after them. */
function askAboveTinyThreshold(): void {
  before(async () => {
    const api = await extensionApi();
    await api.tasksView.whenLoaded();
    await vscode.commands.executeCommand('gptBatch.setApiKey', 'sk-simulated-key');
    await setting('confirmCostAbove', 0.0001);
  });
  after(async () => {
    (await extensionApi()).answerConfirmations(undefined);
    await setting('confirmCostAbove', undefined);
    await setting('pilotRequests', undefined);
    await vscode.commands.executeCommand('gptBatch.clearApiKey');
  });
}

describe('Run asks before spending on a task that has pushed nothing yet', () => {
  askAboveTinyThreshold();

  it("asks with the whole task's estimate, and Cancel leaves the task committed with nothing sent", async () => {
    const api = await extensionApi();
    const asked: string[] = [];
    api.answerConfirmations(false, asked);
    const before = await simRoutes();
    assert.equal(await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task), undefined);
    assert.equal(asked.length, 1);
    assert.match(asked[0] ?? '', /^Run task 'estimated'\? Task 'estimated' is estimated at \d+\.\d{2,4} in total \(1140 requests to send\), above the threshold 0\.0001 \(gptBatch\.confirmCostAbove\)\./);
    assert.doesNotMatch(asked[0] ?? '', /Forecast/);
    assert.deepEqual(await simRoutes(), before, 'the API was called');
    const after = await snapshot(task);
    assert.equal(after.queuedRequests, 1140, 'the whole task is committed for the next run');
    assert.deepEqual(after.batches, []);
  });

  it("with gptBatch.pilotRequests, sends the pilot first and shows its forecast; Cancel keeps the pilot's answers and pushes nothing", async () => {
    const api = await extensionApi();
    await setting('pilotRequests', 12);
    const asked: string[] = [];
    api.answerConfirmations(false, asked);
    const before = await simRoutes();
    assert.equal(await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task), undefined);
    assert.equal(asked.length, 1);
    const question = asked[0] ?? '';
    assert.match(question, /Task 'estimated' is estimated at \d+\.\d{2,4} in total \(1128 requests to send\)/);
    assert.match(question, /Forecast of the whole task's cost: low \d+\.\d{2,4} \/ expected \d+\.\d{2,4} \/ high \d+\.\d{2,4}/);
    assert.match(question, /from a pilot of 12 requests sent direct \(12 answered/);
    assert.match(question, /the remaining 1128 requests at batch prices with a completion ratio of [0-9.]+ \(low\) \/ [0-9.]+ \(expected\) \/ [0-9.]+ \(high\) against the assumed/);
    const routes = await simRoutes();
    assert.equal(routes['POST /v1/batches'], before['POST /v1/batches'], 'a batch was pushed');
    assert.equal((routes['POST /v1/chat/completions'] ?? 0) - (before['POST /v1/chat/completions'] ?? 0), 12);
    const after = await snapshot(task);
    assert.equal(after.samples.succeeded, 12, "the pilot's answers are results");
    assert.equal(after.queuedRequests, 1128);
    assert.ok(after.pilotForecast, 'the forecast is stored');
    assert.ok(after.batches.every((b) => b.place === 'direct'));
  });

  it('Run after that asks with the stored forecast, sends no second pilot and pushes the committed requests', async () => {
    const api = await extensionApi();
    const asked: string[] = [];
    api.answerConfirmations(true, asked);
    const forecast = (await snapshot(task)).pilotForecast;
    const before = await simRoutes();
    const result = await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', task);
    assert.notEqual(result?.outcome, 'stopped');
    assert.equal(asked.length, 1);
    assert.match(asked[0] ?? '', /from a pilot of 12 requests sent direct/);
    const after = await snapshot(task);
    assert.deepEqual(after.pilotForecast, forecast, 'a second pilot ran');
    const pushes = ((await simRoutes())['POST /v1/batches'] ?? 0) - (before['POST /v1/batches'] ?? 0);
    assert.ok(pushes > 0, 'nothing was pushed');
    assert.ok(after.batches.some((b) => b.place === 'processed'));
    assert.ok(after.samples.succeeded > 12);
  });
});

describe('Run asks only before the first spend of a task that runs direct (force_direct)', () => {
  // A char_codes demo with force_direct, 30 requests a session: it never pushes a batch.
  const direct = 'direct';

  askAboveTinyThreshold();

  it("asks with the whole task's estimate at direct prices, then executes direct requests", async () => {
    const api = await extensionApi();
    const asked: string[] = [];
    api.answerConfirmations(true, asked);
    const result = await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', direct);
    assert.equal(result?.outcome, 'incomplete');
    assert.equal(asked.length, 1);
    assert.match(asked[0] ?? '', /^Run task 'direct'\? Task 'direct' is estimated at \d+\.\d{2,4} in total \(1140 requests to send\)/);
    const after = await snapshot(direct);
    assert.equal(after.samples.succeeded, 30);
    const places = after.batches.map((b) => b.place);
    assert.ok(places.includes('direct') && !places.includes('remote') && !places.includes('processed'), JSON.stringify(places));
    assert.equal(after.estimate.prices, 'direct');
  });

  it('asks the next Run only about what is left, without a second commit-only pass, since the direct requests spent', async () => {
    const api = await extensionApi();
    const asked: string[] = [];
    api.answerConfirmations(true, asked);
    const before = await snapshot(direct);
    const result = await vscode.commands.executeCommand<RunResult>('gptBatch.runTask', direct);
    assert.equal(result?.outcome, 'incomplete');
    assert.equal(asked.length, 1);
    assert.match(asked[0] ?? '', /^Run task 'direct'\? What is committed for it and not processed yet is estimated at \d+\.\d{2,4}, above the threshold 0\.0001/);
    assert.doesNotMatch(asked[0] ?? '', /in total/);
    assert.ok(before.queuedEstimate > 0.0001);
    assert.equal((await snapshot(direct)).samples.succeeded, 60);
  });
});
