import { InterruptedError } from '../../shared/errors';
import { readImageHeader, type ImageSize } from './imageHeader';

/** What is known about a remote image: its size, or why it could not be read. */
export type RemoteImageEntry = { kind: 'size'; size: ImageSize } | { kind: 'failed'; reason: string };

/** Options of one round of fetching. */
export interface FetchImageOptions {
  /** Per image; default 10 s. */
  timeoutMs?: number;
  /** Aborting rejects with `InterruptedError`; what was read until then stays cached. */
  signal?: AbortSignal;
}

const defaultTimeoutMs = 10_000;
/** A header later than this in the file is treated as unreadable rather than downloading a huge file. */
const maxHeaderBytes = 16 * 1024 * 1024;
const maxEntries = 50_000;

/** True for URLs that can be fetched: http and https. */
export function isFetchableUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * Sizes of remote images by URL. Estimation only looks entries up (synchronously); `resolve` fills them by
 * downloading each image until its header has been read. Failures are remembered too, so that one bad URL
 * shared by many requests is fetched once, until `forgetFailures`.
 */
export class RemoteImageSizes {
  private readonly entries = new Map<string, RemoteImageEntry>();
  private readonly inFlight = new Map<string, Promise<void>>();

  get(url: string): RemoteImageEntry | undefined {
    return this.entries.get(url);
  }

  /** Fetches every fetchable URL not yet known, concurrently, each within the timeout. */
  async resolve(urls: Iterable<string>, options: FetchImageOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const waits: Promise<void>[] = [];
    for (const url of new Set(urls)) {
      if (!isFetchableUrl(url) || this.entries.has(url)) continue;
      let pending = this.inFlight.get(url);
      if (!pending) {
        pending = fetchImageSize(url, timeoutMs, options.signal)
          .then((entry) => this.remember(url, entry))
          .finally(() => this.inFlight.delete(url));
        this.inFlight.set(url, pending);
      }
      waits.push(pending);
    }
    const results = await Promise.allSettled(waits);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** Drops remembered failures so that the next `resolve` tries those URLs again. */
  forgetFailures(): void {
    for (const [url, entry] of this.entries) if (entry.kind === 'failed') this.entries.delete(url);
  }

  private remember(url: string, entry: RemoteImageEntry): void {
    if (this.entries.size >= maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(url, entry);
  }
}

/** Bytes received so far, in one buffer that grows geometrically. */
class ReceivedBytes {
  private buffer = new Uint8Array(64 * 1024);
  private length = 0;

  append(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + chunk.length));
      grown.set(this.bytes());
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length += chunk.length;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

async function fetchImageSize(url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<RemoteImageEntry> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return { kind: 'failed', reason: `HTTP ${response.status} ${response.statusText}`.trim() };
    }
    const reader = response.body.getReader();
    const received = new ReceivedBytes();
    for (;;) {
      const chunk = await reader.read();
      if (chunk.value) received.append(chunk.value);
      const header = readImageHeader(received.bytes());
      if (header.kind !== 'incomplete' || chunk.done || received.bytes().length > maxHeaderBytes) {
        if (!chunk.done) await reader.cancel();
        if (header.kind === 'size') return { kind: 'size', size: header.size };
        if (header.kind === 'invalid') return { kind: 'failed', reason: header.reason };
        return { kind: 'failed', reason: chunk.done ? 'the image is truncated' : `no image size in the first ${maxHeaderBytes} bytes` };
      }
    }
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError(`Interrupted while fetching the image ${url}`);
    if (timeout.aborted) return { kind: 'failed', reason: `no answer within ${timeoutMs} ms` };
    return { kind: 'failed', reason: describeFetchError(error) };
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's fetch reports network failures as "fetch failed" with the useful part (ECONNREFUSED, ...) as cause.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
