import { Worker } from 'node:worker_threads';
import type * as vscode from 'vscode';
import { Channel, type MessageEndpoint, type RequestOptions } from '../protocol/channel';
import type { LogParams, NotificationMethod, NotificationParams, RequestMethod, RequestParams, RequestResult } from '../protocol/messages';
import { Disposable } from './lifecycle';

/** How long a graceful shutdown may take before the worker is terminated; deactivate gets 5 s in total. */
const shutdownGraceMs = 3000;

interface RunningWorker {
  worker: Worker;
  channel: Channel;
  exited: Promise<number>;
}

/** The two workers of the extension: the engine, which runs tasks, and the reader, which answers every read. */
export type WorkerRole = 'engine' | 'reader';

const workerTitles: Record<WorkerRole, string> = { engine: 'Engine worker', reader: 'Reader' };

/**
 * Owns one worker: the engine (`dist/worker.js`) or the read-only query worker (`dist/reader.js`). The worker starts
 * on the first request, never during activation. If it dies, pending requests fail with `ProtocolError('closed')` and
 * the next request starts a new one. The worker's log lines go to the output channel.
 */
export class EngineHost extends Disposable {
  private running: RunningWorker | undefined;
  private readonly listeners: { method: NotificationMethod; listener: (params: NotificationParams<NotificationMethod>) => void }[] = [];

  constructor(
    private readonly workerPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly role: WorkerRole = 'engine',
  ) {
    super();
    this.register({ dispose: () => void this.shutdown() });
  }

  /** Thread id of the running worker, or undefined while none runs. */
  get threadId(): number | undefined {
    return this.running?.worker.threadId;
  }

  /** Sends a request to the engine, starting the worker first if none runs. */
  async request<M extends RequestMethod>(method: M, params: RequestParams<M>, options?: RequestOptions): Promise<RequestResult<M>> {
    if (this.isDisposed) throw new Error(`Cannot send ${method}: the engine host is disposed`);
    return this.start().channel.request(method, params, options);
  }

  /** Listens to a notification of the engine, across worker restarts. */
  listen<M extends NotificationMethod>(method: M, listener: (params: NotificationParams<M>) => void): vscode.Disposable {
    const entry = { method, listener: listener as (params: NotificationParams<NotificationMethod>) => void };
    this.listeners.push(entry);
    const registration = this.running?.channel.onNotification(method, listener);
    return {
      dispose: () => {
        registration?.dispose();
        this.listeners.splice(this.listeners.indexOf(entry), 1);
      },
    };
  }

  /**
   * Asks the worker to stop at a safe point and waits until it exited; terminates it if it has not after a grace
   * period. Resolves at once when no worker runs.
   */
  async shutdown(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    const graceOver = new Promise<'timeout'>((resolve) => setTimeout(resolve, shutdownGraceMs, 'timeout').unref());
    try {
      await Promise.race([running.channel.request('engine/shutdown', {}).then(() => running.exited), graceOver]);
    } catch (error) {
      this.log.warn(`The ${this.role} worker did not shut down gracefully:`, error);
    }
    if (this.running === running) await this.terminate();
  }

  /** Stops the worker immediately, without a graceful shutdown. */
  async terminate(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    await running.worker.terminate();
    await running.exited;
  }

  private start(): RunningWorker {
    if (this.running !== undefined) return this.running;
    const worker = new Worker(this.workerPath, { name: `GPT Batch ${this.role}` });
    const threadId = worker.threadId;
    const title = workerTitles[this.role];
    const channel = new Channel(worker as MessageEndpoint, {
      onError: (error) => this.log.error(`${title} protocol error:`, error),
    });
    channel.onNotification('engine/log', (params) => this.writeLog(params));
    for (const { method, listener } of this.listeners) channel.onNotification(method, listener);
    worker.on('error', (error) => this.log.error(`${title} crashed:`, error));
    const exited = new Promise<number>((resolve) => {
      worker.once('exit', (code) => {
        channel.close(`the ${this.role} worker exited with code ${code}`);
        if (this.running?.worker === worker) this.running = undefined;
        if (code === 0) this.log.info(`${title} (thread ${threadId}) exited`);
        else this.log.warn(`${title} (thread ${threadId}) exited with code ${code}; the next request starts a new one`);
        resolve(code);
      });
    });
    this.running = { worker, channel, exited };
    this.log.info(`${title} started (thread ${threadId})`);
    return this.running;
  }

  private writeLog({ level, message }: LogParams): void {
    this.log[level](`[${this.role}] ${message}`);
  }
}
