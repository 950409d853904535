import { randomBytes } from 'node:crypto';

/**
 * A FormData encoded as multipart/form-data the way the global fetch encodes it (the HTML standard's algorithm), with
 * its length known before it is sent and its file parts read from their blobs as they are sent, not copied first.
 */
export interface MultipartBody {
  readonly contentType: string;
  readonly length: number;
  /** The body in order: encoded headers, string values and boundaries as bytes, file contents as their blobs. */
  readonly parts: readonly (Uint8Array | Blob)[];
}

/** A name or file name inside a quoted header parameter: line breaks and quotes percent-encoded, as browsers do. */
function escapedName(name: string): string {
  return name.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
}

/** Encodes `form`: each entry a part between boundaries, string values with their line breaks made CRLF. */
export function multipartBody(form: FormData): MultipartBody {
  const boundary = `----gpt-batch-${randomBytes(12).toString('hex')}`;
  const parts: (Uint8Array | Blob)[] = [];
  const text = (value: string) => parts.push(Buffer.from(value, 'utf8'));
  for (const [name, value] of form) {
    text(`--${boundary}\r\nContent-Disposition: form-data; name="${escapedName(name)}"`);
    if (typeof value === 'string') {
      text(`\r\n\r\n${value.replace(/\r(?!\n)|(?<!\r)\n/g, '\r\n')}\r\n`);
    } else {
      text(`; filename="${escapedName(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`);
      parts.push(value);
      text('\r\n');
    }
  }
  text(`--${boundary}--\r\n`);
  const length = parts.reduce((sum, part) => sum + (part instanceof Blob ? part.size : part.byteLength), 0);
  return { contentType: `multipart/form-data; boundary=${boundary}`, length, parts };
}
