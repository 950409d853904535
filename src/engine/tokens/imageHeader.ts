/** Pixel dimensions of an image. */
export interface ImageSize {
  width: number;
  height: number;
}

/**
 * What the first bytes of an image say: its size, that more bytes are needed, or that they are not a PNG, JPEG,
 * GIF or WebP image (the formats OpenAI accepts).
 */
export type ImageHeaderResult =
  | { kind: 'size'; size: ImageSize }
  | { kind: 'incomplete' }
  | { kind: 'invalid'; reason: string };

const incomplete: ImageHeaderResult = { kind: 'incomplete' };

function sized(width: number, height: number): ImageHeaderResult {
  return { kind: 'size', size: { width, height } };
}

function invalid(reason: string): ImageHeaderResult {
  return { kind: 'invalid', reason };
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

function u16be(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

function u16le(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

function u24le(bytes: Uint8Array, at: number): number {
  return u16le(bytes, at) | ((bytes[at + 2] ?? 0) << 16);
}

function u32be(bytes: Uint8Array, at: number): number {
  return u16be(bytes, at) * 0x10000 + u16be(bytes, at + 2);
}

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
const ihdr = ascii('IHDR');
const gif87a = ascii('GIF87a');
const gif89a = ascii('GIF89a');
const riff = ascii('RIFF');
const webp = ascii('WEBP');

/** Reads the size from the start of an image file; `bytes` may be any prefix of the file. */
export function readImageHeader(bytes: Uint8Array): ImageHeaderResult {
  if (bytes.length < 12) return couldStillBeImage(bytes) ? incomplete : invalid('not a PNG, JPEG, GIF or WebP image');
  if (startsWith(bytes, pngSignature)) return readPng(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return readJpeg(bytes);
  if (startsWith(bytes, gif87a) || startsWith(bytes, gif89a)) return sized(u16le(bytes, 6), u16le(bytes, 8));
  if (startsWith(bytes, riff) && startsWith(bytes, webp, 8)) return readWebp(bytes);
  return invalid('not a PNG, JPEG, GIF or WebP image');
}

function couldStillBeImage(bytes: Uint8Array): boolean {
  const prefixes = [pngSignature, [0xff, 0xd8], gif87a, gif89a, riff];
  return prefixes.some((signature) => startsWith(bytes, signature.slice(0, bytes.length)));
}

function readPng(bytes: Uint8Array): ImageHeaderResult {
  if (bytes.length < 24) return incomplete;
  if (!startsWith(bytes, ihdr, 12)) return invalid('PNG without an IHDR chunk');
  return sized(u32be(bytes, 16), u32be(bytes, 20));
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC are other tables. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpeg(bytes: Uint8Array): ImageHeaderResult {
  let at = 2;
  for (;;) {
    if (at + 1 >= bytes.length) return incomplete;
    if (bytes[at] !== 0xff) return invalid('JPEG segment does not start with a marker');
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return invalid('JPEG without a frame header');
    if (at + 3 >= bytes.length) return incomplete;
    const length = u16be(bytes, at + 2);
    if (length < 2) return invalid('JPEG segment with an invalid length');
    if (isStartOfFrame(marker)) {
      if (at + 8 >= bytes.length) return incomplete;
      return sized(u16be(bytes, at + 7), u16be(bytes, at + 5));
    }
    at += 2 + length;
  }
}

function readWebp(bytes: Uint8Array): ImageHeaderResult {
  if (bytes.length < 30) return incomplete;
  const chunk = String.fromCharCode(...bytes.subarray(12, 16));
  switch (chunk) {
    case 'VP8 ':
      if (!startsWith(bytes, [0x9d, 0x01, 0x2a], 23)) return invalid('WebP (lossy) without a frame start code');
      return sized(u16le(bytes, 26) & 0x3fff, u16le(bytes, 28) & 0x3fff);
    case 'VP8L': {
      if (bytes[20] !== 0x2f) return invalid('WebP (lossless) without its signature byte');
      const bits = (bytes[21] ?? 0) | ((bytes[22] ?? 0) << 8) | ((bytes[23] ?? 0) << 16) | ((bytes[24] ?? 0) << 24);
      return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    }
    case 'VP8X':
      return sized(u24le(bytes, 24) + 1, u24le(bytes, 27) + 1);
    default:
      return invalid(`WebP with an unknown first chunk '${chunk}'`);
  }
}
