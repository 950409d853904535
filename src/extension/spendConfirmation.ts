import * as vscode from 'vscode';
import type { RunParams } from '../protocol/messages';
import { type CommittedTask, wholeTaskEstimate } from '../shared/committedTask';
import { describePilotForecast, type PilotForecast } from '../shared/pilotForecast';
import { hasSpent, type TaskSnapshot } from '../shared/taskSnapshot';
import { readSnapshot, runWithProgress } from './engineRuns';
import type { TaskServices } from './taskCommands';
import { formatCost } from './taskNodes';

/** Whether to run, and the pilot size the run must use (0 after a commit-only run, which had the pilot already). */
export type SpendDecision = { run: false } | { run: true; pilot?: number };

const setting = 'gptBatch.confirmCostAbove';

/**
 * With `gptBatch.confirmCostAbove` set, asks before a run that may cost more. A task that has spent nothing yet
 * (beyond a pilot) is first generated and committed in full by a commit-only run (which sends the pilot of
 * `gptBatch.pilotRequests`, if set and no forecast exists yet), so the question names the whole task's estimate and
 * the pilot's forecast; a task already under way (a batch pushed, or direct requests executed) is judged by what is
 * committed and not processed. Declining pushes nothing; committed requests and pilot answers stay.
 */
export async function confirmSpending(services: TaskServices, file: vscode.Uri, task: string, keys: Pick<RunParams, 'apiKey' | 'anthropicApiKey'>): Promise<SpendDecision> {
  const config = vscode.workspace.getConfiguration('gptBatch', file);
  const threshold = config.get<number>('confirmCostAbove', 0);
  if (threshold <= 0) return { run: true };
  const snapshot = await readSnapshot(services, file, task);
  if (snapshot !== undefined && hasSpent(snapshot)) {
    if (snapshot.queuedEstimate <= threshold) return { run: true };
    const detail = `What is committed for it and not processed yet is estimated at ${formatCost(snapshot.queuedEstimate)}, above the threshold ${formatCost(threshold)} (${setting}).`;
    return (await services.confirm()(`Run task '${task}'?`, detail, 'Run')) ? { run: true } : declined(services, task);
  }
  const pilot = pilotSize(config.get<number>('pilotRequests', 0), snapshot);
  const result = await runWithProgress(services, {
    file: file.fsPath,
    task,
    mode: 'commitOnly',
    ...(pilot === undefined ? {} : { pilot }),
    ...keys,
  });
  if (result.outcome === 'stopped' || result.committed === undefined) {
    services.log.info(`Task '${task}' stopped while its whole cost was estimated; nothing was pushed`);
    return { run: false };
  }
  const committed = result.committed;
  const forecast = committed.pilotForecast ?? snapshot?.pilotForecast;
  const estimate = wholeTaskEstimate(committed);
  services.log.info(`Task '${task}' is estimated at ${formatCost(estimate)} in total (${committed.requests} requests to send)`);
  if (Math.max(estimate, forecast?.cost.expected ?? 0) <= threshold) return { run: true, pilot: 0 };
  const detail = confirmationDetail(task, committed, forecast, threshold);
  return (await services.confirm()(`Run task '${task}'?`, detail, 'Run')) ? { run: true, pilot: 0 } : declined(services, task);
}

/** The pilot of the commit-only run: the setting's when no forecast exists, none when one does, else the task file's. */
function pilotSize(requests: number, snapshot: TaskSnapshot | undefined): number | undefined {
  if (snapshot?.pilotForecast !== undefined) return 0;
  return requests > 0 ? requests : undefined;
}

function confirmationDetail(task: string, committed: CommittedTask, forecast: PilotForecast | undefined, threshold: number): string {
  const estimate = wholeTaskEstimate(committed);
  const limit = `the threshold ${formatCost(threshold)} (${setting})`;
  const lines = [`Task '${task}' is estimated at ${formatCost(estimate)} in total (${committed.requests} requests to send), ${estimate > threshold ? `above ${limit}` : `within ${limit}`}.`];
  if (forecast !== undefined) lines.push('', ...describePilotForecast(forecast, formatCost));
  lines.push('', forecast === undefined ? 'Nothing is pushed until you choose Run.' : "Nothing is pushed until you choose Run; the pilot's answers are kept either way.");
  return lines.join('\n');
}

function declined(services: TaskServices, task: string): SpendDecision {
  services.log.info(`Task '${task}' not run: its cost is above ${setting} and the run was cancelled; nothing was pushed`);
  return { run: false };
}
