import assert from 'node:assert/strict';
import { InterruptedError } from '../../../src/shared/errors';
import { MemoryLogger } from '../../../src/engine/log';
import { TokenEstimator } from '../../../src/engine/tokens/estimator';
import { blackPng, imagePart, startServer, userParts, type TestServer } from '../../support/tokens/images';

const chat = '/v1/chat/completions';

describe('token estimator: remote images', () => {
  let server: TestServer;
  const png = blackPng(1024, 1024);

  before(async () => {
    server = await startServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (path === '/square.png') {
        response.writeHead(200, { 'content-type': 'image/png' });
        response.end(png);
      } else if (path === '/hang.png') {
        response.writeHead(200, { 'content-type': 'image/png' }); // headers, then never any body
        response.flushHeaders();
      } else if (path === '/text.png') {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('not an image at all');
      } else {
        response.writeHead(404);
        response.end();
      }
    });
  });

  after(() => server.close());

  it('an unknown remote image counts the documented worst case for its model, with a warning', () => {
    const logger = new MemoryLogger();
    const estimator = new TokenEstimator({ logger });
    const url = server.url('/square.png');
    assert.equal(estimator.estimateInput(userParts('gpt-4o', [imagePart(url, 'high')]), chat).image, 85 + 8 * 170);
    assert.equal(estimator.estimateInput(userParts('gpt-4o-mini', [imagePart(url, 'auto')]), chat).image, 2833 + 8 * 5667);
    assert.match(logger.text(), /not known yet/);
    assert.equal(server.requests.get('/square.png'), undefined, 'estimation never fetches');
  });

  it('resolveRemoteImageSizes fetches the size once; then a 1024x1024 PNG costs 765 on gpt-4o', async () => {
    const logger = new MemoryLogger();
    const estimator = new TokenEstimator({ logger, warn: 'always' });
    const url = server.url('/square.png?once');
    const payload = userParts('gpt-4o', [imagePart(url, 'high'), imagePart(url, 'high')]);
    await estimator.resolveRemoteImageSizes(payload, { timeoutMs: 20_000 });
    await estimator.resolveRemoteImageSizes(payload, { timeoutMs: 20_000 });
    assert.equal(estimator.estimateInput(payload, chat).image, 2 * 765);
    assert.equal(server.requests.get('/square.png?once'), 1);
    assert.deepEqual(logger.records, []);
  });

  it('finds images in responses input items too', async () => {
    const estimator = new TokenEstimator();
    const url = server.url('/square.png?responses');
    const payload = { model: 'gpt-4o', input: [{ role: 'user', content: [{ type: 'input_image', image_url: url, detail: 'high' }] }] };
    await estimator.resolveRemoteImageSizes(payload);
    assert.equal(estimator.estimateInput(payload, '/v1/responses').image, 765);
  });

  it('an image that cannot be fetched or read counts 0 with a warning naming the reason', async () => {
    const logger = new MemoryLogger();
    const estimator = new TokenEstimator({ logger, warn: 'always' });
    const missing = server.url('/missing.png');
    const text = server.url('/text.png');
    const payload = userParts('gpt-4o', [imagePart(missing, 'high'), imagePart(text, 'high')]);
    await estimator.resolveRemoteImageSizes(payload, { timeoutMs: 20_000 });
    assert.equal(estimator.estimateInput(payload, chat).image, 0);
    assert.match(logger.text(), /HTTP 404/);
    assert.match(logger.text(), /not a PNG, JPEG, GIF or WebP/);
  });

  it('a server that never sends the image fails at the timeout and counts 0', async () => {
    const logger = new MemoryLogger();
    const estimator = new TokenEstimator({ logger });
    const payload = userParts('gpt-4o', [imagePart(server.url('/hang.png'), 'high')]);
    await estimator.resolveRemoteImageSizes(payload, { timeoutMs: 300 });
    assert.equal(estimator.estimateInput(payload, chat).image, 0);
    assert.match(logger.text(), /no answer within 300 ms/);
  });

  it('reset() forgets failures so that they are fetched again', async () => {
    const estimator = new TokenEstimator();
    const payload = userParts('gpt-4o', [imagePart(server.url('/missing.png?retry'), 'high')]);
    await estimator.resolveRemoteImageSizes(payload);
    await estimator.resolveRemoteImageSizes(payload);
    assert.equal(server.requests.get('/missing.png?retry'), 1);
    estimator.reset();
    await estimator.resolveRemoteImageSizes(payload);
    assert.equal(server.requests.get('/missing.png?retry'), 2);
  });

  it('aborting the signal rejects with InterruptedError', async () => {
    const estimator = new TokenEstimator();
    const controller = new AbortController();
    const payload = userParts('gpt-4o', [imagePart(server.url('/hang.png?abort'), 'high')]);
    const resolving = estimator.resolveRemoteImageSizes(payload, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    await assert.rejects(resolving, InterruptedError);
  });
});
