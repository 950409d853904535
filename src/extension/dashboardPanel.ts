import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DashboardData } from '../shared/dashboard';
import type { EngineHost } from './engineHost';
import { Disposable } from './lifecycle';

/** Progress and change notifications of a running task collapse into one dashboard refresh per this interval. */
const refreshDebounceMs = 500;

/** The view type of dashboard panels (`WebviewPanel.viewType`). */
export const dashboardViewType = 'gptBatch.dashboard';

/** What the dashboard's script posts back: that it loaded, and what it drew from the last data. */
export type DashboardReport = { type: 'ready' } | { type: 'drawn'; charts: Record<string, number> };

/** What a panel shows now: the last data sent to it (or why none could be read) and what its script drew of it. */
export interface DashboardState {
  data: DashboardData | undefined;
  error: string | undefined;
  drawn: Record<string, number> | undefined;
}

/**
 * The task dashboards: one webview panel per task, refreshed from the reader's `task/dashboard` query when the task
 * reports progress or a change (debounced) and when the panel becomes visible again. The panel's script draws the
 * charts as SVG from the data it receives; it loads only the extension's own media files, under a strict
 * Content-Security-Policy.
 */
export class DashboardPanels extends Disposable {
  private readonly panels = new Map<string, TaskDashboard>();

  /** `engine` tells when a running task changed; `reader` answers the dashboard's query. */
  constructor(
    engine: EngineHost,
    private readonly reader: EngineHost,
    private readonly mediaRoot: vscode.Uri,
    private readonly taskFile: () => vscode.Uri | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(engine.listen('task/progress', ({ task, sessionCost }) => this.panels.get(task)?.scheduleRefresh(sessionCost)));
    this.register(engine.listen('task/changed', ({ task }) => this.panels.get(task)?.scheduleRefresh()));
    this.register({ dispose: () => [...this.panels.values()].forEach((panel) => panel.dispose()) });
  }

  /** Opens the task's dashboard, or brings it to the front when it is open; resolves once its first data was sent. */
  async open(task: string): Promise<void> {
    const file = this.taskFile();
    if (file === undefined) throw new Error('The workspace has no gpt-batch.json');
    let panel = this.panels.get(task);
    if (panel === undefined) {
      panel = new TaskDashboard(task, this.reader, this.mediaRoot, this.taskFile, this.log, () => this.panels.delete(task));
      this.panels.set(task, panel);
    } else {
      panel.reveal();
    }
    await panel.refresh();
  }

  /** What the task's open dashboard shows, for tests; undefined when none is open. */
  state(task: string): DashboardState | undefined {
    return this.panels.get(task)?.state;
  }

  /** Resolves when the task's dashboard has drawn data read at or after `since` (Unix seconds). */
  whenDrawn(task: string, since: number): Promise<DashboardState> {
    const panel = this.panels.get(task);
    if (panel === undefined) return Promise.reject(new Error(`No dashboard of task '${task}' is open`));
    return panel.whenDrawn(since);
  }
}

class TaskDashboard {
  private readonly panel: vscode.WebviewPanel;
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ready = false;
  private sessionCost: number | undefined;
  private readonly waiters: { since: number; resolve: (state: DashboardState) => void }[] = [];
  readonly state: DashboardState = { data: undefined, error: undefined, drawn: undefined };

  constructor(
    private readonly task: string,
    private readonly reader: EngineHost,
    mediaRoot: vscode.Uri,
    private readonly taskFile: () => vscode.Uri | undefined,
    private readonly log: vscode.LogOutputChannel,
    onClosed: () => void,
  ) {
    this.panel = vscode.window.createWebviewPanel(dashboardViewType, `Dashboard · ${task}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [mediaRoot],
    });
    this.panel.iconPath = vscode.Uri.joinPath(mediaRoot, 'gpt-batch.svg');
    this.panel.webview.html = dashboardHtml(this.panel.webview, mediaRoot, task);
    this.subscriptions.push(
      this.panel.webview.onDidReceiveMessage((message: DashboardReport) => this.received(message)),
      this.panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.visible) this.scheduleRefresh();
      }),
      this.panel.onDidDispose(() => {
        clearTimeout(this.timer);
        this.subscriptions.forEach((s) => s.dispose());
        onClosed();
      }),
    );
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    this.panel.dispose();
  }

  /** Refreshes after the burst of notifications that is under way; `sessionCost` is the running task's latest. */
  scheduleRefresh(sessionCost?: number): void {
    if (sessionCost !== undefined) this.sessionCost = sessionCost;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), refreshDebounceMs);
  }

  /** Reads the task's dashboard data and sends it to the panel (once its script is ready). */
  async refresh(): Promise<void> {
    const file = this.taskFile();
    try {
      if (file === undefined) throw new Error('The workspace has no gpt-batch.json');
      this.state.data = await this.reader.request('task/dashboard', { file: file.fsPath, task: this.task });
      this.state.error = undefined;
    } catch (error) {
      this.state.error = `Cannot read the dashboard of task '${this.task}': ${(error as Error).message}`;
      this.log.warn(this.state.error);
    }
    this.send();
  }

  whenDrawn(since: number): Promise<DashboardState> {
    if (this.state.drawn !== undefined && (this.state.data?.readAt ?? 0) >= since) return Promise.resolve(this.state);
    return new Promise((resolve) => this.waiters.push({ since, resolve }));
  }

  private send(): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage({ type: 'data', data: this.state.data, error: this.state.error, sessionCost: this.sessionCost });
  }

  private received(message: DashboardReport): void {
    if (message.type === 'ready') {
      this.ready = true;
      this.send();
      return;
    }
    if (message.type !== 'drawn') return;
    this.state.drawn = message.charts;
    const readAt = this.state.data?.readAt ?? 0;
    for (const waiter of this.waiters.filter((w) => readAt >= w.since)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(this.state);
    }
  }
}

function dashboardHtml(webview: vscode.Webview, mediaRoot: vscode.Uri, task: string): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'dashboard.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot, 'dashboard.css'));
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Dashboard · ${escapeHtml(task)}</title>
</head>
<body>
<header><h1>Task <span class="task-name">${escapeHtml(task)}</span></h1><p id="summary" class="summary">Reading the task…</p></header>
<main id="charts"></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
