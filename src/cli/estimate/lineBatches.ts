import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { InvalidInputError } from '../../shared/errors';

const chunkBytes = 64 * 1024;

function readError(file: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? error : new InvalidInputError(`Cannot read the requests file ${file}: ${code}`, { cause: error });
}

/**
 * The lines of a UTF-8 text file, a batch per chunk read, so that callers can do their asynchronous work (waiting
 * for the output to drain) once per chunk rather than once per line. Line breaks are LF or CRLF; a last line without a break is yielded too. A file that cannot be read
 * throws `InvalidInputError`.
 *
 * Chunks are read synchronously into one reused buffer: a stream would allocate a buffer per chunk and keep a few
 * chunks queued, and those survive long enough to be promoted to the old generation, which then grows until the
 * next full collection.
 */
export function* readLineBatches(file: string): Generator<string[]> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw readError(file, error);
  }
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    const decoder = new StringDecoder('utf8');
    let partial = '';
    for (;;) {
      let bytes: number;
      try {
        bytes = readSync(fd, buffer, 0, chunkBytes, null);
      } catch (error) {
        throw readError(file, error);
      }
      if (bytes === 0) break;
      const chunk = decoder.write(buffer.subarray(0, bytes));
      // Within one long line, appending keeps the text a rope instead of copying it for every chunk.
      if (chunk.indexOf('\n') === -1) {
        partial += chunk;
        continue;
      }
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() as string;
      yield lines.map(withoutCarriageReturn);
    }
    partial += decoder.end();
    if (partial !== '') yield [withoutCarriageReturn(partial)];
  } finally {
    closeSync(fd);
  }
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
