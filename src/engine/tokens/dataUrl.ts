import { readImageHeader, type ImageSize } from './imageHeader';

// The strict form upstream accepts: `data:<type>/<subtype>;base64,<payload>` with no other parameters, standard
// (not URL-safe) base64 and at most two padding characters. Anything else is treated like a remote URL.
const dataUrlPrefix = /^data:[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126};base64,/;
const base64Payload = /[A-Za-z0-9+/]*={0,2}$/y;

/** Bytes decoded at first; most headers fit, and JPEGs with large metadata grow the window geometrically. */
const firstWindowChars = 64;

/** Length of the `data:...;base64,` prefix if `url` is a strict base64 data URL, else -1. */
export function base64DataUrlPayloadStart(url: string): number {
  const prefix = dataUrlPrefix.exec(url);
  if (!prefix) return -1;
  const start = prefix[0].length;
  base64Payload.lastIndex = start;
  return base64Payload.test(url) ? start : -1;
}

/**
 * Reads the image size from a strict base64 data URL (one for which `base64DataUrlPayloadStart` is not -1),
 * decoding only as much of the payload as the image header needs.
 */
export function imageSizeFromDataUrl(url: string, payloadStart: number): { size: ImageSize } | { error: string } {
  const payloadChars = url.length - payloadStart;
  if (payloadChars % 4 !== 0) return { error: 'invalid base64 padding in the image data URL' };
  let windowChars = Math.min(firstWindowChars, payloadChars);
  for (;;) {
    const bytes = Buffer.from(url.slice(payloadStart, payloadStart + windowChars), 'base64');
    const header = readImageHeader(bytes);
    if (header.kind === 'size') return { size: header.size };
    if (header.kind === 'invalid') return { error: `cannot read the image in the data URL: ${header.reason}` };
    if (windowChars === payloadChars) return { error: 'the image in the data URL is truncated' };
    windowChars = Math.min(windowChars * 4, payloadChars);
  }
}
