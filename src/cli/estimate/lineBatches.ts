import { createReadStream } from 'node:fs';
import { InvalidInputError } from '../../engine/errors';

const chunkBytes = 1 << 20;

/**
 * The lines of a UTF-8 text file, a batch per chunk read, so that callers await once per chunk rather than once
 * per line. Line breaks are LF or CRLF; a last line without a break is yielded too. A file that cannot be read
 * throws `InvalidInputError`.
 */
export async function* readLineBatches(file: string): AsyncGenerator<string[]> {
  let partial = '';
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: chunkBytes }) as AsyncIterable<string>) {
      // Within one long line, appending keeps the text a rope instead of copying it for every chunk.
      if (chunk.indexOf('\n') === -1) {
        partial += chunk;
        continue;
      }
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() as string;
      yield lines.map(withoutCarriageReturn);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new InvalidInputError(`Cannot read the requests file ${file}: ${code}`, { cause: error });
  }
  if (partial !== '') yield [withoutCarriageReturn(partial)];
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
