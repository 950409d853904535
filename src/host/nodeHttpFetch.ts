import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { multipartBody, type MultipartBody } from './multipartBody';

/** The `fetch` signature the OpenAI client takes. */
export type ClientFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** How long an idle kept-alive connection stays open: below the usual 5 s of servers, so a reused one is never half-closed. */
const idleSocketMs = 4_000;

/** Statuses whose responses carry no body (a `Response` refuses one). */
const bodilessStatuses = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for the OpenAI client over node:http(s) with kept-alive connections, which costs far less CPU per call than
 * the WHATWG fetch of Node (no web streams while sending or receiving). It sends string and byte bodies and buffers the
 * answer whole (API answers are small JSON documents) into a `Response` that reads from the buffer. Anything else (a
 * multipart upload, a `Request` object, a redirect mode other than follow) goes to the global fetch. Failures read as
 * the global fetch's do: a TypeError "fetch failed" whose cause is the network error, and an `AbortError` when the
 * signal (the client's timeout, or the caller's) fires before the answer is complete. Redirects are not followed:
 * the API answers none.
 */
export function nodeHttpFetch(): ClientFetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, timeout: idleSocketMs }),
    'https:': new https.Agent({ keepAlive: true, timeout: idleSocketMs }),
  };
  return (input, init = {}) => {
    const body = init.body;
    const sendable = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof FormData;
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
    if (!sendable || url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || (init.redirect !== undefined && init.redirect !== 'follow')) {
      return fetch(input, init);
    }
    return send(url, init, body instanceof FormData ? multipartBody(body) : (body ?? undefined), url.protocol === 'https:' ? agents['https:'] : agents['http:']);
  };
}

function send(url: URL, init: RequestInit, body: string | Uint8Array | MultipartBody | undefined, agent: http.Agent): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  const multipart = typeof body === 'object' && !(body instanceof Uint8Array) ? body : undefined;
  if (multipart !== undefined) headers['content-type'] = multipart.contentType;
  if (body !== undefined) headers['content-length'] = String(multipart?.length ?? (typeof body === 'string' ? Buffer.byteLength(body) : (body as Uint8Array).byteLength));
  const method = init.method ?? 'GET';
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: Error) => settle(() => reject(new TypeError('fetch failed', { cause: error })));
    const request = (url.protocol === 'https:' ? https : http).request(url, { method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('aborted', () => fail(new Error('the connection closed before the answer was complete')));
      response.on('end', () => {
        if (!response.complete) return;
        settle(() => {
          try {
            resolve(toResponse(url, response, method, Buffer.concat(chunks)));
          } catch (error) {
            reject(new TypeError('fetch failed', { cause: error }));
          }
        });
      });
    });
    const onAbort = () => {
      const error = abortError(signal);
      settle(() => reject(error));
      request.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', fail);
    if (multipart !== undefined) writeParts(request, multipart).catch(fail);
    else request.end(body);
  });
}

/** Writes a multipart body, each blob chunk by chunk as the connection takes them. */
async function writeParts(request: http.ClientRequest, body: MultipartBody): Promise<void> {
  for (const part of body.parts) {
    const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = part instanceof Blob ? (part.stream() as unknown as AsyncIterable<Uint8Array>) : [part];
    for await (const chunk of chunks) {
      if (request.destroyed) return;
      if (!request.write(chunk)) await Promise.race([once(request, 'drain'), once(request, 'close')]);
    }
  }
  request.end();
}

function toResponse(url: URL, response: http.IncomingMessage, method: string, raw: Buffer): Response {
  const status = response.statusCode ?? 0;
  const headers = new Headers();
  const pairs = response.rawHeaders;
  for (let i = 0; i + 1 < pairs.length; i += 2) headers.append(pairs[i] as string, pairs[i + 1] as string);
  const bodiless = bodilessStatuses.has(status) || method === 'HEAD';
  return new BufferedResponse(bodiless ? null : decoded(raw, headers.get('content-encoding')), { status, statusText: response.statusMessage ?? '' }, headers, url.href) as unknown as Response;
}

/** `Response` as a base whose body methods a subclass redefines (its type declares them as properties, not methods). */
const ResponseBase = Response as unknown as new (body: null, init: ResponseInit) => Pick<Response, 'status' | 'statusText' | 'headers'>;

/**
 * A `Response` over a body already in memory. A standard `Response` wraps every body in a web stream, which costs
 * more CPU than the rest of a call; this one reads `text()`, `json()` and the like from the buffer, and makes the
 * `body` stream only for a caller that asks for it.
 */
class BufferedResponse extends ResponseBase {
  readonly #bytes: Buffer | null;
  readonly #url: string;
  #stream: ReadableStream<Uint8Array> | null | undefined;

  constructor(bytes: Buffer | null, init: ResponseInit, headers: Headers, url: string) {
    super(null, { ...init, headers });
    this.#bytes = bytes;
    this.#url = url;
  }

  /** The body decoded as UTF-8, without a byte-order mark (as a standard `Response` reads it). */
  text(): Promise<string> {
    const bytes = this.#bytes;
    if (bytes === null) return Promise.resolve('');
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    return Promise.resolve(bytes.toString('utf8', bom));
  }

  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text) as unknown);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#bytes ?? Buffer.alloc(0);
    return Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }

  blob(): Promise<Blob> {
    return Promise.resolve(new Blob(this.#bytes === null ? [] : [this.#bytes], { type: this.headers.get('content-type') ?? '' }));
  }

  clone(): Response {
    return new BufferedResponse(this.#bytes, { status: this.status, statusText: this.statusText }, new Headers(this.headers), this.#url) as unknown as Response;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream === undefined) this.#stream = this.#bytes === null ? null : new Response(this.#bytes).body;
    return this.#stream;
  }

  get url(): string {
    return this.#url;
  }
}

/** The body as sent before the server compressed it (the global fetch decompresses too). */
function decoded(raw: Buffer, encoding: string | null): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(raw);
    case 'deflate':
      return zlib.inflateSync(raw);
    case 'br':
      return zlib.brotliDecompressSync(raw);
    default:
      return raw;
  }
}

/** What the global fetch rejects with on an abort: the signal's reason (a DOMException "AbortError" unless given one). */
function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
