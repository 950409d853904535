import assert from 'node:assert/strict';
import { backoffDelay, parseRetryAfter } from '../../../src/engine/wandb/wandbHttp';
import { runWebUrl, wandbEnvironment } from '../../../src/engine/wandb/wandbRun';
import { InvalidInputError } from '../../../src/shared/errors';

describe('W&B retry timing', () => {
  const policy = { baseMs: 1000, maxMs: 30_000 };

  it('doubles the backoff per failure, stays within [half, full] step, and caps it', () => {
    assert.equal(backoffDelay(1, policy, () => 1), 1000);
    assert.equal(backoffDelay(1, policy, () => 0), 500);
    assert.equal(backoffDelay(3, policy, () => 1), 4000);
    assert.equal(backoffDelay(20, policy, () => 1), 30_000);
    assert.equal(backoffDelay(20, policy, () => 0), 15_000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('2', 0), 2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-3', now), 0);
  });
});

describe('W&B settings', () => {
  it('reads the mode from WANDB_MODE, default online', () => {
    assert.equal(wandbEnvironment({}).mode, 'online');
    assert.equal(wandbEnvironment({ WANDB_MODE: 'offline' }).mode, 'offline');
    assert.equal(wandbEnvironment({ WANDB_MODE: 'dryrun' }).mode, 'offline');
    assert.equal(wandbEnvironment({ WANDB_MODE: 'disabled' }).mode, 'disabled');
    const env = wandbEnvironment({ WANDB_API_KEY: 'k', WANDB_BASE_URL: 'http://h', WANDB_DIR: '/d' });
    assert.deepEqual(env, { mode: 'online', apiKey: 'k', baseUrl: 'http://h', dir: '/d' });
  });

  it('rejects an unknown WANDB_MODE naming the variable', () => {
    assert.throws(() => wandbEnvironment({ WANDB_MODE: 'sometimes' }), (error: unknown) => error instanceof InvalidInputError && /WANDB_MODE/.test(error.message));
  });

  it('builds the web URL of a run from the API URL', () => {
    assert.equal(runWebUrl('https://api.wandb.ai', 'me', 'proj', 'abc'), 'https://wandb.ai/me/proj/runs/abc');
    assert.equal(runWebUrl('http://127.0.0.1:8080', 'me', 'my proj', 'abc'), 'http://127.0.0.1:8080/me/my%20proj/runs/abc');
  });
});
