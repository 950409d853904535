import * as vscode from 'vscode';
import type { DocumentRef } from '../shared/taskSnapshot';
import type { EngineHost } from './engineHost';
import { Disposable } from './lifecycle';

/** The URI scheme of every read-only GPT Batch document. */
export const previewScheme = 'gpt-batch';

/** A document read from a task's files by the reader: a part of an attempt, or a sample's stored state. */
export type StoredDocument = DocumentRef & { task: string };

/**
 * The URI of a stored document. Its last path segment is the tab title, in words (`char_codes · char-A · response`);
 * the query says what to read. A `/` in a key would start a new segment, so it is shown as `∕`.
 */
export function storedUri(doc: StoredDocument, title: string): vscode.Uri {
  return vscode.Uri.from({ scheme: previewScheme, path: `/${doc.task}/${title.replaceAll('/', '∕')}`, query: JSON.stringify(doc) });
}

/**
 * Serves the `gpt-batch:` documents: stored documents are fetched from the reader when opened; generated ones
 * (previewed requests, responses, status reports) are kept in memory under the URI they were published at.
 */
export class PreviewProvider extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly generated = new Map<string, string>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly reader: EngineHost,
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
    const { json } = await this.reader.request('task/document', { file: file.fsPath, task, ref });
    return `${JSON.stringify(json, null, 2)}\n`;
  }
}

/** Opens a document read-only in an editor tab; `beside` puts it next to the active one. Stored documents are JSON. */
export async function openPreview(uri: vscode.Uri, options: { beside?: boolean; preview?: boolean } = {}): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  const languageId = uri.path.endsWith('.json') || uri.query !== '' ? 'json' : 'plaintext';
  const typed = document.languageId === languageId ? document : await vscode.languages.setTextDocumentLanguage(document, languageId);
  return vscode.window.showTextDocument(typed, {
    preview: options.preview ?? false,
    preserveFocus: true,
    ...(options.beside ? { viewColumn: vscode.ViewColumn.Beside } : {}),
  });
}
