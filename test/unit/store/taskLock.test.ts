import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InterruptedError, TaskLockedError } from '../../../src/shared/errors';
import { MemoryLogger } from '../../../src/engine/log';
import { acquireTaskLock, type TaskLockOptions } from '../../../src/engine/store/taskLock';
import { startChild, type Child } from '../../support/store/child';
import { useTempDir } from '../../support/store/tempDir';

const holderScript = path.join(__dirname, '../../support/store/lockHolderChild.ts');

describe('task lock', function () {
  this.timeout(60_000);
  const tmp = useTempDir('task-lock');
  let children: Child[] = [];
  afterEach(async () => {
    for (const child of children) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    children = [];
  });

  const options = (logger: MemoryLogger, extra: Partial<TaskLockOptions> = {}): TaskLockOptions => ({
    timeout: 0,
    pollInterval: 0.05,
    statusInterval: 0.2,
    logger,
    ...extra,
  });

  async function childHoldingLock(): Promise<Child> {
    const child = startChild(holderScript, [tmp.dir, 'P']);
    children.push(child);
    await child.waitForLine(/^locked$/);
    return child;
  }

  it('acquires, releases and acquires again, recording the owner while held', async () => {
    const logger = new MemoryLogger();
    const lock = await acquireTaskLock(tmp.dir, 'P', options(logger));
    assert.equal(lock.path, path.join(tmp.dir, 'P.lock'));
    const owner = JSON.parse(fs.readFileSync(`${lock.path}.owner`, 'utf8'));
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.host, os.hostname());
    assert.match(logger.text(), /Successfully acquired lock in \d+s: .*P\.lock/);
    await lock.release();
    assert.equal(fs.existsSync(`${lock.path}.owner`), false);
    const again = await acquireTaskLock(tmp.dir, 'P', options(logger));
    await again.release();
  });

  it('fails at once with the holder’s pid and host when another process holds the lock and timeout is 0', async () => {
    const child = await childHoldingLock();
    const logger = new MemoryLogger();
    await assert.rejects(acquireTaskLock(tmp.dir, 'P', options(logger)), (error: unknown) => {
      assert.ok(error instanceof TaskLockedError);
      assert.equal(error.message.startsWith(`task ${tmp.dir} (P) is locked by pid ${child.process.pid} on host ${os.hostname()} since `), true, error.message);
      return true;
    });
    assert.match(logger.text(), /Failed to acquire lock in 0s: .*P\.lock/);
  });

  it('waits up to the timeout, reporting progress, before failing', async () => {
    await childHoldingLock();
    const logger = new MemoryLogger();
    const started = performance.now();
    await assert.rejects(acquireTaskLock(tmp.dir, 'P', options(logger, { timeout: 1 })), TaskLockedError);
    assert.ok(performance.now() - started >= 1000, 'the contender waited for the whole timeout');
    assert.match(logger.text(), /Still waiting on lock after \d+s\/1s: .*P\.lock \(held by pid \d+ on host /);
    assert.match(logger.text(), /Failed to acquire lock in 1s: /);
  });

  it('by default waits until the lock is free, naming the holder in every wait line', async () => {
    const child = await childHoldingLock();
    const controller = new AbortController();
    const logger = new MemoryLogger();
    const waiting = acquireTaskLock(tmp.dir, 'P', options(logger, { timeout: -1, signal: controller.signal }));
    const waitLines = () => logger.records.filter((r) => /Waiting on lock|Still waiting on lock/.test(r.message));
    while (waitLines().length < 3) await new Promise((resolve) => setImmediate(resolve));
    const holder = `held by pid ${child.process.pid} on host ${os.hostname()} since `;
    assert.match(waitLines()[0]?.message ?? '', /^Waiting on lock held by pid .* until it is free \(set lock_timeout to give up sooner\): .*P\.lock$/);
    for (const line of waitLines()) assert.ok(line.message.includes(holder), line.message);
    child.process.kill('SIGKILL');
    await child.exited;
    const lock = await waiting;
    await lock.release();
  });

  it('takes over the lock of a holder that was killed', async () => {
    const child = await childHoldingLock();
    child.process.kill('SIGKILL');
    await child.exited;
    assert.equal(fs.existsSync(path.join(tmp.dir, 'P.lock')), true, 'the dead holder left its lock behind');
    const logger = new MemoryLogger();
    const lock = await acquireTaskLock(tmp.dir, 'P', options(logger));
    assert.match(logger.text(), new RegExp(`Took over the lock of pid ${child.process.pid} on host .*no longer running`));
    await lock.release();
  });

  it('stops waiting with InterruptedError when its signal is aborted', async () => {
    await childHoldingLock();
    const controller = new AbortController();
    const waiting = acquireTaskLock(tmp.dir, 'P', options(new MemoryLogger(), { timeout: -1, signal: controller.signal }));
    controller.abort();
    await assert.rejects(waiting, InterruptedError);
  });

  it('lets reentrant acquisitions in one process share the lock until the last release', async () => {
    const logger = new MemoryLogger();
    const outer = await acquireTaskLock(tmp.dir, 'P', options(logger, { reentrant: true }));
    const inner = await acquireTaskLock(tmp.dir, 'P', options(logger, { reentrant: true }));
    await inner.release();
    await assert.rejects(acquireTaskLock(tmp.dir, 'P', options(logger)), TaskLockedError);
    await outer.release();
    const after = await acquireTaskLock(tmp.dir, 'P', options(logger));
    await after.release();
  });
});
