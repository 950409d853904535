import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';

function u32be(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function u16be(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function u16le(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), typed, u32be(crc32(typed))]);
}

/** A complete, valid, all-black 8-bit greyscale PNG. */
export function blackPng(width: number, height: number): Buffer {
  const header = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 0, 0, 0, 0])]);
  // Each row is a filter byte (0) followed by one zero byte per pixel.
  const pixels = deflateSync(Buffer.alloc((width + 1) * height));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The start of a baseline JPEG up to its frame header: a JFIF segment, `metadataBytes` of APP1 metadata (so the
 * frame header can sit far into the file), a fill byte, then SOF0.
 */
export function jpegHeader(width: number, height: number, metadataBytes = 0): Buffer {
  const app0 = Buffer.concat([Buffer.from([0xff, 0xe0]), u16be(16), Buffer.from('JFIF\0', 'latin1'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])]);
  // A segment holds at most 65533 bytes, so large metadata takes several APP1 segments.
  const app1: Buffer[] = [];
  for (let left = metadataBytes; left > 0; left -= 60_000) {
    const size = Math.min(left, 60_000);
    app1.push(Buffer.from([0xff, 0xe1]), u16be(size + 2), Buffer.alloc(size, 0x20));
  }
  const sof0 = Buffer.concat([Buffer.from([0xff, 0xff, 0xc0]), u16be(11), Buffer.from([8]), u16be(height), u16be(width), Buffer.from([1, 1, 0x11, 0])]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, ...app1, sof0, Buffer.from([0xff, 0xd9])]);
}

/** A GIF89a header with its logical screen size. */
export function gifHeader(width: number, height: number): Buffer {
  return Buffer.concat([Buffer.from('GIF89a', 'latin1'), u16le(width), u16le(height), Buffer.from([0, 0, 0])]);
}

function riffWebp(chunk: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), Buffer.from(chunk, 'latin1'), Buffer.alloc(4), data]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]);
}

/** The start of a WebP file in each of its three layouts: lossy (VP8), lossless (VP8L) or extended (VP8X). */
export function webpHeader(layout: 'VP8 ' | 'VP8L' | 'VP8X', width: number, height: number): Buffer {
  if (layout === 'VP8 ') {
    return riffWebp('VP8 ', Buffer.concat([Buffer.from([0, 0, 0, 0x9d, 0x01, 0x2a]), u16le(width), u16le(height), Buffer.alloc(4)]));
  }
  if (layout === 'VP8L') {
    const bits = ((width - 1) | ((height - 1) << 14)) >>> 0;
    const packed = Buffer.alloc(4);
    packed.writeUInt32LE(bits);
    return riffWebp('VP8L', Buffer.concat([Buffer.from([0x2f]), packed, Buffer.alloc(5)]));
  }
  const canvas = Buffer.alloc(10);
  canvas.writeUIntLE(width - 1, 4, 3);
  canvas.writeUIntLE(height - 1, 7, 3);
  return riffWebp('VP8X', canvas);
}

/** A strict base64 data URL. */
export function dataUrl(bytes: Buffer, mediaType = 'image/png'): string {
  return `data:${mediaType};base64,${bytes.toString('base64')}`;
}

/** A chat request whose only message is a user message with the given content parts. */
export function userParts(model: string, parts: unknown[]): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: parts }] };
}

export function imagePart(url: string, detail?: string): Record<string, unknown> {
  return { type: 'image_url', image_url: detail === undefined ? { url } : { url, detail } };
}

export function textPart(text: string): Record<string, unknown> {
  return { type: 'text', text };
}

/** A local HTTP server for image fetching tests; `requests` counts the requests per path. */
export interface TestServer {
  url(path: string): string;
  requests: Map<string, number>;
  close(): Promise<void>;
}

export async function startServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<TestServer> {
  const requests = new Map<string, number>();
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.set(path, (requests.get(path) ?? 0) + 1);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
