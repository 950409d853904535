import * as vscode from 'vscode';
import type { DocumentRef } from '../shared/taskSnapshot';
import type { EngineHost } from './engineHost';
import { Disposable } from './lifecycle';

/** The URI scheme of every read-only GPT Batch document. */
export const previewScheme = 'gpt-batch';

/** A document read from a task's files by the engine: a request of a batch or a sample's stored state. */
export type StoredDocument = DocumentRef & { task: string };

/** The URI of a stored document; its path reads well as a tab title. */
export function storedUri(doc: StoredDocument): vscode.Uri {
  const where = doc.kind === 'request' ? `request/${doc.place}/${doc.batchId}/id-${doc.requestId}` : `sample/${doc.group}/${encodeURIComponent(doc.key)}`;
  return vscode.Uri.from({ scheme: previewScheme, path: `/${doc.task}/${where}.json`, query: JSON.stringify(doc) });
}

/**
 * Serves the `gpt-batch:` documents: stored documents are fetched from the engine when opened; generated ones
 * (previewed requests, responses, status reports) are kept in memory under the URI they were published at.
 */
export class PreviewProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly generated = new Map<string, string>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly engine: EngineHost,
    private readonly taskFile: () => vscode.Uri | undefined,
  ) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(previewScheme, this));
    // Generated documents live as long as their editor; a closed one cannot be reopened, so its text goes.
    this.register(
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document.uri.scheme === previewScheme) this.generated.delete(document.uri.toString());
      }),
    );
  }

  /** Publishes generated text at `gpt-batch:/<task>/<name>`; an open editor of that URI refreshes. */
  publish(task: string, name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: previewScheme, path: `/${task}/${name}` });
    this.generated.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const text = this.generated.get(uri.toString());
    if (text !== undefined) return text;
    const file = this.taskFile();
    if (uri.query === '' || file === undefined) return `${uri.path} is no longer available: generated previews close with their editor.`;
    const { task, ...ref } = JSON.parse(uri.query) as StoredDocument;
    const { json } = await this.engine.request('task/document', { file: file.fsPath, task, ref });
    return `${JSON.stringify(json, null, 2)}\n`;
  }
}

/** Opens a document read-only in an editor tab; `beside` puts it next to the active one. */
export async function openPreview(uri: vscode.Uri, options: { beside?: boolean; preview?: boolean } = {}): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  const languageId = uri.path.endsWith('.json') ? 'json' : 'plaintext';
  const typed = document.languageId === languageId ? document : await vscode.languages.setTextDocumentLanguage(document, languageId);
  return vscode.window.showTextDocument(typed, {
    preview: options.preview ?? false,
    preserveFocus: true,
    ...(options.beside ? { viewColumn: vscode.ViewColumn.Beside } : {}),
  });
}
