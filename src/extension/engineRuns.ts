import * as vscode from 'vscode';
import type { ProgressParams, RunMode, RunParams, RunResult } from '../protocol/messages';
import type { TaskSnapshot } from '../shared/taskSnapshot';
import type { TaskServices } from './taskCommands';
import { formatCost } from './taskNodes';

const modeTitles: Record<RunMode, string> = {
  run: 'Running',
  dryRun: 'Dry run of',
  commitOnly: 'Estimating the whole cost of',
  previewRequests: 'Previewing the requests of',
  directVerbose: 'Running direct requests of',
  onlyProcess: 'Processing finished batches of',
  wipeRequests: 'Wiping the requests of',
  wipeFailed: 'Wiping the failed samples of',
  wipeTask: 'Wiping',
  reinitMeta: 'Reinitialising the metadata of',
  status: 'Reading the status of',
};

/** Runs a task on the engine with its progress in a notification whose Cancel stops the run; answers the engine's result. */
export async function runWithProgress(services: TaskServices, params: RunParams): Promise<RunResult> {
  const { file, task, mode } = params;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `GPT Batch: ${modeTitles[mode]} ${task}`, cancellable: true },
    async (progress, token) => {
      const stopping = token.onCancellationRequested(() => void services.engine.request('task/stop', { file, task }));
      const following = services.engine.listen('task/progress', (p) => {
        if (p.task !== task) return;
        progress.report({ message: progressMessage(p) });
      });
      try {
        return await services.engine.request('task/run', params);
      } finally {
        stopping.dispose();
        following.dispose();
      }
    },
  );
}

function progressMessage(p: ProgressParams): string {
  const { succeeded, failed, pending } = p.samples;
  return `${succeeded} succeeded, ${failed} failed, ${pending} pending; ${p.remoteBatches} remote batches; spent ${formatCost(p.sessionCost)}`;
}

/** The task's snapshot, read by the query worker; undefined when the task file has no such task. */
export async function readSnapshot(services: TaskServices, file: vscode.Uri, task: string): Promise<TaskSnapshot | undefined> {
  const { tasks } = await services.reader.request('tasks/snapshot', { file: file.fsPath });
  return tasks.find((t) => t.name === task);
}
