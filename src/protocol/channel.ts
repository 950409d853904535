import {
  deserializeError,
  type Envelope,
  isNotificationMethod,
  isRequestMethod,
  type NotificationEnvelope,
  type NotificationMethod,
  notificationMethods,
  type NotificationParams,
  parseEnvelope,
  parsePayload,
  ProtocolError,
  type RequestEnvelope,
  type RequestMethod,
  requestMethods,
  type RequestParams,
  type RequestResult,
  type ResponseEnvelope,
  serializeError,
} from './messages';

/**
 * The part of a `MessagePort`, `Worker` or `parentPort` the channel uses. A `'close'` event, when the endpoint emits
 * one (MessagePort does), closes the channel.
 */
export interface MessageEndpoint {
  postMessage(message: unknown): void;
  on(event: 'message' | 'close', listener: (value: unknown) => void): unknown;
  off(event: 'message' | 'close', listener: (value: unknown) => void): unknown;
}

export interface ChannelOptions {
  /**
   * Receives errors that have no caller to reject: malformed incoming messages, unknown notifications, notification
   * listeners that throw, and answers that arrive after their request timed out.
   */
  onError(error: Error): void;
}

export interface RequestOptions {
  /** Rejects with `ProtocolError('timeout')` when no answer arrives within this many milliseconds. Default: no limit. */
  timeoutMs?: number;
}

/** Undoes a registration. Same shape as VS Code's `Disposable`. */
export interface Registration {
  dispose(): void;
}

type RequestHandler<M extends RequestMethod> = (params: RequestParams<M>) => RequestResult<M> | Promise<RequestResult<M>>;
type NotificationListener<M extends NotificationMethod> = (params: NotificationParams<M>) => void;

interface PendingRequest {
  method: RequestMethod;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Typed requests and notifications over one message endpoint. Both sides create a Channel over their end; each side
 * registers the handlers for the methods it serves. Payloads are validated on arrival against the schemas in
 * `messages.ts`, and errors thrown by a handler reach the caller as the same error class.
 */
export class Channel {
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly requestHandlers = new Map<string, (params: unknown) => unknown>();
  private readonly notificationListeners = new Map<string, Set<(params: unknown) => void>>();
  private closed = false;

  constructor(
    private readonly endpoint: MessageEndpoint,
    private readonly options: ChannelOptions,
  ) {
    endpoint.on('message', this.receive);
    endpoint.on('close', this.closeFromEndpoint);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a request and resolves with the other side's validated result, or rejects with the error it threw. */
  request<M extends RequestMethod>(method: M, params: RequestParams<M>, options: RequestOptions = {}): Promise<RequestResult<M>> {
    if (this.closed) return Promise.reject(new ProtocolError('closed', `Cannot send ${method}: the channel is closed`));
    const id = this.nextId++;
    return new Promise<RequestResult<M>>((resolve, reject) => {
      const pending: PendingRequest = { method, resolve: resolve as (result: unknown) => void, reject, timer: undefined };
      if (options.timeoutMs !== undefined) {
        const timeoutMs = options.timeoutMs;
        pending.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new ProtocolError('timeout', `${method} got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.pending.set(id, pending);
      const envelope: RequestEnvelope = { kind: 'request', id, method, params };
      try {
        this.endpoint.postMessage(envelope);
      } catch (error) {
        this.settle(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Sends a notification; nothing comes back. Does nothing once the channel is closed. */
  notify<M extends NotificationMethod>(method: M, params: NotificationParams<M>): void {
    if (this.closed) return;
    const envelope: NotificationEnvelope = { kind: 'notification', method, params };
    this.endpoint.postMessage(envelope);
  }

  /** Serves `method`. One handler per method; what it returns or throws is sent back to the caller. */
  onRequest<M extends RequestMethod>(method: M, handler: RequestHandler<M>): Registration {
    if (this.requestHandlers.has(method)) throw new Error(`A handler for ${method} is already registered`);
    this.requestHandlers.set(method, handler as (params: unknown) => unknown);
    return { dispose: () => this.requestHandlers.delete(method) };
  }

  /** Listens to notifications of `method`; several listeners may listen to the same method. */
  onNotification<M extends NotificationMethod>(method: M, listener: NotificationListener<M>): Registration {
    let listeners = this.notificationListeners.get(method);
    if (listeners === undefined) {
      listeners = new Set();
      this.notificationListeners.set(method, listeners);
    }
    const untyped = listener as (params: unknown) => void;
    listeners.add(untyped);
    return { dispose: () => listeners.delete(untyped) };
  }

  /**
   * Stops listening to the endpoint and rejects every pending request with `ProtocolError('closed')`, `why` in its
   * message. The endpoint itself is left to its owner. Closing twice does nothing.
   */
  close(why = 'the channel was closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.endpoint.off('message', this.receive);
    this.endpoint.off('close', this.closeFromEndpoint);
    for (const [id, pending] of [...this.pending]) {
      this.settle(id);
      pending.reject(new ProtocolError('closed', `${pending.method} got no answer: ${why}`));
    }
    this.requestHandlers.clear();
    this.notificationListeners.clear();
  }

  private readonly closeFromEndpoint = (): void => this.close('the other side closed its port');

  private readonly receive = (message: unknown): void => {
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(message);
    } catch (error) {
      this.options.onError(error as Error);
      return;
    }
    if (envelope.kind === 'request') void this.answer(envelope);
    else if (envelope.kind === 'response') this.resolveResponse(envelope);
    else this.dispatchNotification(envelope);
  };

  private async answer({ id, method, params }: RequestEnvelope): Promise<void> {
    let response: ResponseEnvelope;
    try {
      const handler = this.requestHandlers.get(method);
      if (handler === undefined || !isRequestMethod(method)) {
        throw new ProtocolError('unknownMethod', `No handler for request ${method}`);
      }
      const validParams = parsePayload<unknown>(requestMethods[method].params, params, `params of ${method}`);
      response = { kind: 'response', id, result: await handler(validParams) };
    } catch (error) {
      response = { kind: 'response', id, error: serializeError(error) };
    }
    // The requester has already been told the channel closed; there is nobody left to answer.
    if (this.closed) return;
    this.endpoint.postMessage(response);
  }

  private resolveResponse(response: ResponseEnvelope): void {
    const pending = this.settle(response.id);
    if (pending === undefined) {
      this.options.onError(new ProtocolError('invalidMessage', `Answer to request ${response.id}, which is not pending (timed out?)`));
      return;
    }
    if ('error' in response) {
      pending.reject(deserializeError(response.error));
      return;
    }
    try {
      pending.resolve(parsePayload<unknown>(requestMethods[pending.method].result, response.result, `result of ${pending.method}`));
    } catch (error) {
      pending.reject(error as Error);
    }
  }

  private dispatchNotification({ method, params }: NotificationEnvelope): void {
    if (!isNotificationMethod(method)) {
      this.options.onError(new ProtocolError('unknownMethod', `Unknown notification ${method}`));
      return;
    }
    let validParams: unknown;
    try {
      validParams = parsePayload<unknown>(notificationMethods[method], params, `params of ${method}`);
    } catch (error) {
      this.options.onError(error as Error);
      return;
    }
    for (const listener of this.notificationListeners.get(method) ?? []) {
      try {
        listener(validParams);
      } catch (error) {
        this.options.onError(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  private settle(id: number): PendingRequest | undefined {
    const pending = this.pending.get(id);
    if (pending === undefined) return undefined;
    this.pending.delete(id);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    return pending;
  }
}
