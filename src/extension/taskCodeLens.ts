import * as vscode from 'vscode';
import { taskFileName, taskKeyLocations } from './taskFile';

/** The lenses above each task: what a user does with a task straight from its definition. */
const taskLenses: readonly { title: string; command: string; tooltip: string }[] = [
  { title: '$(play) Run', command: 'gptBatch.runTask', tooltip: 'Run this task' },
  { title: 'Dry Run', command: 'gptBatch.dryRun', tooltip: 'Show what a run would do, without calling the API or writing anything' },
  { title: 'Dashboard', command: 'gptBatch.openDashboard', tooltip: "Open this task's dashboard" },
];

/** "Run", "Dry Run" and "Dashboard" above each task of `gpt-batch.json`. */
export class TaskCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    return taskKeyLocations(document.getText()).flatMap(({ task, line, column }) => {
      const range = new vscode.Range(line - 1, column - 1, line - 1, column - 1);
      return taskLenses.map(({ title, command, tooltip }) => new vscode.CodeLens(range, { title, command, tooltip, arguments: [task] }));
    });
  }
}

/** Registers the lenses for every `gpt-batch.json` of the workspace. */
export function registerTaskCodeLens(): vscode.Disposable {
  return vscode.languages.registerCodeLensProvider({ pattern: `**/${taskFileName}` }, new TaskCodeLensProvider());
}
