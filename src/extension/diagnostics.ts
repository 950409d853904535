import * as vscode from 'vscode';
import type { EngineHost } from './engineHost';
import { Disposable } from './lifecycle';
import { taskFileName } from './taskFile';

/**
 * The validation of `gpt-batch.json` in the Problems panel, answered by the reader: each problem at the key it names.
 * Checked when the file is opened and each time it is saved (the JSON schema checks as the user types).
 */
export class TaskFileDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('gpt-batch'));
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires after the problems of a file were updated. */
  readonly onDidUpdate = this.changed.event;

  constructor(
    private readonly reader: EngineHost,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(vscode.workspace.onDidSaveTextDocument((document) => void this.check(document)));
    this.register(vscode.workspace.onDidOpenTextDocument((document) => void this.check(document)));
    for (const document of vscode.workspace.textDocuments) void this.check(document);
  }

  /** The problems shown for a file. */
  problems(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  private async check(document: vscode.TextDocument): Promise<void> {
    if (document.uri.scheme !== 'file' || !document.uri.path.endsWith(`/${taskFileName}`)) return;
    try {
      const { problems } = await this.reader.request('taskFile/check', { file: document.uri.fsPath, text: document.getText() });
      const diagnostics = problems.map(({ message, line, column }) => {
        const position = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
        const range = document.getWordRangeAtPosition(position, /"[^"]*"/) ?? new vscode.Range(position, position.translate(0, 1));
        const diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
        diagnostic.source = 'gpt-batch';
        return diagnostic;
      });
      this.collection.set(document.uri, diagnostics);
      this.changed.fire(document.uri);
    } catch (error) {
      this.log.error(`Cannot check ${document.uri.fsPath}:`, error);
    }
  }
}
