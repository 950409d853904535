import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extensionApi, when } from './extensionApi';

describe('task file problems', () => {
  it('shows the engine validation errors of gpt-batch.json in the Problems panel at the right line, refreshed on save', async () => {
    const api = await extensionApi();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, 'gpt-batch.json');
    const original = await vscode.workspace.fs.readFile(uri);
    try {
      const document = await vscode.workspace.openTextDocument(uri);
      const editor = await vscode.window.showTextDocument(document);
      const broken = '{\n  "tasks": {\n    "char_codes": {\n      "task": "demo:char_codes",\n      "max_sesion_requests": 3\n    }\n  }\n}\n';
      await editor.edit((edit) => edit.replace(new vscode.Range(0, 0, document.lineCount, 0), broken));
      await document.save();
      await when(api.diagnostics.onDidUpdate, () => api.diagnostics.problems(uri).length > 0);
      const [problem] = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'gpt-batch');
      assert.ok(problem);
      assert.equal(problem.range.start.line, 4);
      assert.match(problem.message, /unknown key 'max_sesion_requests' \(did you mean 'max_session_requests'\?\)/);
      await editor.edit((edit) => edit.replace(new vscode.Range(0, 0, document.lineCount, 0), new TextDecoder().decode(original)));
      await document.save();
      await when(api.diagnostics.onDidUpdate, () => api.diagnostics.problems(uri).length === 0);
    } finally {
      await vscode.workspace.fs.writeFile(uri, original);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});
