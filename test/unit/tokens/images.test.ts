import assert from 'node:assert/strict';
import { MemoryLogger } from '../../../src/engine/log';
import { TokenEstimator, type TokenEstimatorOptions } from '../../../src/engine/tokens/estimator';
import { readImageHeader } from '../../../src/engine/tokens/imageHeader';
import { blackPng, dataUrl, gifHeader, imagePart, jpegHeader, userParts, webpHeader } from '../../support/tokens/images';

const chat = '/v1/chat/completions';

function imageTokens(model: string, url: string, detail: string | undefined, options: TokenEstimatorOptions = {}): number {
  return new TokenEstimator(options).estimateInput(userParts(model, [imagePart(url, detail)]), chat).image;
}

function pngUrl(width: number, height: number): string {
  return dataUrl(blackPng(width, height));
}

describe('token estimator: image sizes from headers', () => {
  const cases: [string, Buffer][] = [
    ['PNG', blackPng(37, 21)],
    ['JPEG', jpegHeader(37, 21)],
    ['JPEG with 100 kB of metadata before the frame', jpegHeader(37, 21, 100_000)],
    ['GIF', gifHeader(37, 21)],
    ['WebP lossy', webpHeader('VP8 ', 37, 21)],
    ['WebP lossless', webpHeader('VP8L', 37, 21)],
    ['WebP extended', webpHeader('VP8X', 37, 21)],
  ];
  for (const [format, bytes] of cases) {
    it(`reads width and height of a ${format}`, () => {
      assert.deepEqual(readImageHeader(bytes), { kind: 'size', size: { width: 37, height: 21 } });
    });
  }

  it('asks for more bytes while a header is cut short, and rejects other formats', () => {
    assert.deepEqual(readImageHeader(blackPng(37, 21).subarray(0, 20)), { kind: 'incomplete' });
    assert.deepEqual(readImageHeader(jpegHeader(37, 21, 5000).subarray(0, 3000)), { kind: 'incomplete' });
    assert.equal(readImageHeader(Buffer.from('BM this is a bitmap header')).kind, 'invalid');
  });

  it('counts a JPEG, GIF and WebP data URL like a PNG of the same size', () => {
    const expected = imageTokens('gpt-4o', pngUrl(1024, 1024), 'high');
    assert.equal(expected, 765);
    assert.equal(imageTokens('gpt-4o', dataUrl(jpegHeader(1024, 1024, 70_000), 'image/jpeg'), 'high'), expected);
    assert.equal(imageTokens('gpt-4o', dataUrl(gifHeader(1024, 1024), 'image/gif'), 'high'), expected);
    assert.equal(imageTokens('gpt-4o', dataUrl(webpHeader('VP8L', 1024, 1024), 'image/webp'), 'high'), expected);
  });
});

describe('token estimator: image tokens (reference table)', () => {
  // [width, height, high on gpt-4o, auto on gpt-4o, high on gpt-4o-mini], upstream formula.
  const table: [number, number, number, number, number][] = [
    [16, 16, 255, 85, 8500],
    [500, 500, 255, 85, 8500],
    [512, 512, 255, 85, 8500],
    [600, 600, 765, 765, 25501],
    [1024, 1024, 765, 765, 25501],
    [1000, 1500, 1105, 1105, 36835],
    [2048, 4096, 1105, 1105, 36835],
    [2049, 1536, 765, 765, 25501],
    [4000, 1000, 2125, 2125, 70837],
  ];
  for (const [width, height, high, auto, mini] of table) {
    it(`${width}x${height} with the upstream formula: high ${high}, auto ${auto}, gpt-4o-mini ${mini}`, () => {
      const url = pngUrl(width, height);
      assert.equal(imageTokens('gpt-4o', url, 'high', { imageSizing: 'upstream' }), high);
      assert.equal(imageTokens('gpt-4o', url, 'auto', { imageSizing: 'upstream' }), auto);
      assert.equal(imageTokens('gpt-4o-mini', url, 'high', { imageSizing: 'upstream' }), mini);
    });
  }

  it('2049x1536 on the upstream formula rounds 1024.5 half to even (765, not 1105)', () => {
    assert.equal(imageTokens('gpt-4o', pngUrl(2049, 1536), 'high', { imageSizing: 'upstream' }), 765);
  });

  it('the documented formula first fits within 2048x2048 without upscaling: 4000x1000 is 765, not 2125', () => {
    const url = pngUrl(4000, 1000);
    assert.equal(imageTokens('gpt-4o', url, 'high'), 765);
    assert.equal(imageTokens('gpt-4o', url, 'auto'), 765);
    assert.equal(imageTokens('gpt-4o-mini', url, 'high'), 25501);
    assert.equal(imageTokens('gpt-4o', pngUrl(2048, 4096), 'high'), 1105);
    assert.equal(imageTokens('gpt-4o', pngUrl(16, 16), 'high'), 255);
  });

  it('a missing detail means auto', () => {
    assert.equal(imageTokens('gpt-4o', pngUrl(16, 16), undefined), 85);
  });

  it('low detail costs 85 / 2833 without reading the image', () => {
    const logger = new MemoryLogger();
    assert.equal(imageTokens('gpt-4o', 'https://example.invalid/never-fetched.png', 'low', { logger }), 85);
    assert.equal(imageTokens('gpt-4o-mini', 'data:image/png;base64,QQ=', 'low', { logger }), 2833);
    assert.deepEqual(logger.records, []);
  });

  it('auto detail warns that it cannot be predicted', () => {
    const logger = new MemoryLogger();
    imageTokens('gpt-4o', pngUrl(16, 16), 'auto', { logger });
    assert.match(logger.text(), /auto/);
  });

  it('an image on a model without image constants warns and uses the gpt-4o constants', () => {
    const logger = new MemoryLogger();
    assert.equal(imageTokens('gpt-4', pngUrl(1024, 1024), 'high', { logger }), 765);
    assert.match(logger.text(), /'gpt-4' is not known to accept images/);
  });

  it('an image of zero width counts 0 with a warning', () => {
    const logger = new MemoryLogger();
    assert.equal(imageTokens('gpt-4o', dataUrl(gifHeader(0, 10), 'image/gif'), 'high', { logger }), 0);
    assert.match(logger.text(), /0x10/);
  });
});

describe('token estimator: data URL edge cases', () => {
  function zeroWithWarning(url: string, pattern: RegExp): void {
    const logger = new MemoryLogger();
    assert.equal(imageTokens('gpt-4o', url, 'high', { logger }), 0);
    assert.match(logger.text(), pattern);
  }

  it('invalid base64 padding counts 0 with a warning', () => {
    const valid = pngUrl(16, 16);
    zeroWithWarning(valid.replace(/=*$/, '') + 'A', /padding/);
  });

  it('a data URL with a charset parameter is not a strict base64 data URL: 0 with a warning', () => {
    const url = pngUrl(16, 16).replace(';base64,', ';charset=utf-8;base64,');
    zeroWithWarning(url, /neither a base64 data URL/);
  });

  it('URL-safe base64 is not accepted', () => {
    zeroWithWarning('data:image/png;base64,ab-_', /neither a base64 data URL/);
  });

  it('data that is not an image, or a truncated image, counts 0 with a warning', () => {
    zeroWithWarning(dataUrl(Buffer.from('this is text, not an image!!'), 'image/png'), /not a PNG, JPEG, GIF or WebP/);
    zeroWithWarning(dataUrl(jpegHeader(100, 100, 3000).subarray(0, 2400), 'image/jpeg'), /truncated/);
  });
});
