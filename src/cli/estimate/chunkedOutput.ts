/** The stream an estimate prints to: stdout, or a test's stand-in. */
export interface OutputStream {
  write(chunk: string): boolean;
  on(event: 'drain' | 'error' | 'close', listener: (error?: NodeJS.ErrnoException) => void): unknown;
  off(event: 'drain' | 'error' | 'close', listener: (error?: NodeJS.ErrnoException) => void): unknown;
}

const settleEvents = ['drain', 'error', 'close'] as const;

const flushAt = 64 * 1024;

/**
 * Collects printed text into large chunks, so that a million lines cost a few hundred writes rather than a million,
 * and waits for the stream to drain when it is behind, so that memory stays bounded however slow the reader is. A
 * reader that goes away (`| head`) closes the output: further text is dropped.
 */
export class ChunkedOutput {
  private parts: string[] = [];
  private length = 0;
  private failure: NodeJS.ErrnoException | undefined;

  constructor(private readonly stream: OutputStream) {
    stream.on('error', (error) => {
      this.failure = error;
    });
  }

  /** True once the reader has gone away. */
  get closed(): boolean {
    return this.failure?.code === 'EPIPE';
  }

  write(text: string): void {
    this.parts.push(text);
    this.length += text.length;
  }

  /** Writes what was collected if it is large enough, waiting for the stream when it is behind. */
  async flushIfFull(): Promise<void> {
    if (this.length >= flushAt) await this.flush();
  }

  /** Writes everything collected; rejects if the stream failed other than by its reader going away. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.length === 0 || this.closed) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.length = 0;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const settle = (): void => {
          for (const event of settleEvents) this.stream.off(event, settle);
          resolve();
        };
        for (const event of settleEvents) this.stream.on(event, settle);
      });
    }
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined && !this.closed) throw this.failure;
  }
}
