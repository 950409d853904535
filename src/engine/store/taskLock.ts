import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lock as lockDirectory } from 'proper-lockfile';
import { InterruptedError, TaskLockedError } from '../../shared/errors';
import type { Logger } from '../log';
import { formatDuration } from '../util/format';
import { hasErrorCode, randomSuffix, unlinkIfExists } from './fsUtil';

export interface TaskLockOptions {
  /** Seconds to wait for the lock: < 0 waits forever, 0 tries once. */
  timeout: number;
  /** Seconds between attempts. */
  pollInterval: number;
  /** Seconds between "Still waiting on lock" lines. */
  statusInterval: number;
  logger: Logger;
  /** Aborting stops the waiting with InterruptedError. */
  signal?: AbortSignal;
  /** Within one process, acquiring a lock that this process already holds (through another reentrant acquisition)
   *  succeeds at once; the lock is freed when every holder has released it. Default false. */
  reentrant?: boolean;
}

export interface TaskLock {
  /** The lock's path: `<dir>/<name>.lock`. */
  readonly path: string;
  /** Set if the lock was lost while held (e.g. its directory was removed, or the process stalled so long that
   *  another process took it over); the loss is also logged as an error. */
  readonly compromised: Error | undefined;
  release(): Promise<void>;
}

interface OwnerInfo {
  pid: number;
  host: string;
  since: string;
}

interface HeldLock {
  depth: number;
  lock: TaskLock;
  freeLock: () => Promise<void>;
}

/** After this long without a refresh, a lock whose owner cannot be checked (another host) is taken over. */
const staleMs = 10_000;
/** How often the holder refreshes its lock; well under staleMs so that a busy event loop does not lose it. */
const refreshMs = 2_000;

const heldReentrantLocks = new Map<string, HeldLock>();

/**
 * Locks `<dir>/<name>.lock` (a directory, made by proper-lockfile) and records the owner (pid, host, start time)
 * in `<dir>/<name>.lock.owner`. A contender fails with TaskLockedError naming that owner, at once (timeout 0) or
 * after `timeout` seconds; while it waits, it logs the owner when it starts waiting and every `statusInterval`. A lock left by a dead process is taken over: at once on the same host when the owner's
 * pid no longer exists, otherwise once it has not been refreshed for 10 s. The holder refreshes it while alive.
 */
export async function acquireTaskLock(dir: string, name: string, options: TaskLockOptions): Promise<TaskLock> {
  const lockPath = path.join(path.resolve(dir), `${name}.lock`);
  const ownerPath = `${lockPath}.owner`;
  const { logger } = options;
  const held = options.reentrant ? heldReentrantLocks.get(lockPath) : undefined;
  if (held) {
    held.depth += 1;
    return reentrantHandle(lockPath, held);
  }
  const started = performance.now();
  let nextStatus = options.statusInterval;
  let waiting = false;
  const timeoutText = options.timeout > 0 ? `/${formatDuration(options.timeout)}` : '';
  for (;;) {
    const acquired = await tryAcquire(lockPath, ownerPath, logger);
    const elapsed = (performance.now() - started) / 1000;
    if (acquired) {
      logger.info(`Successfully acquired lock in ${formatDuration(elapsed)}: ${lockPath}`);
      if (!options.reentrant) return acquired.lock;
      const entry: HeldLock = { depth: 1, ...acquired };
      heldReentrantLocks.set(lockPath, entry);
      return reentrantHandle(lockPath, entry);
    }
    if (options.timeout === 0 || (options.timeout > 0 && elapsed >= options.timeout)) {
      logger.error(`Failed to acquire lock in ${formatDuration(elapsed)}: ${lockPath}`);
      throw new TaskLockedError(`task ${dir} (${name}) is locked by ${await describeHolder(ownerPath)}`);
    }
    if (!waiting) {
      waiting = true;
      const howLong = options.timeout > 0 ? `for up to ${formatDuration(options.timeout)}` : 'until it is free (set lock_timeout to give up sooner)';
      logger.info(`Waiting on lock held by ${await describeHolder(ownerPath)} ${howLong}: ${lockPath}`);
    } else if (elapsed >= nextStatus) {
      logger.info(`Still waiting on lock after ${formatDuration(elapsed)}${timeoutText}: ${lockPath} (held by ${await describeHolder(ownerPath)})`);
      nextStatus += options.statusInterval;
    }
    const remaining = options.timeout > 0 ? options.timeout - elapsed : Infinity;
    await abortableSleep(Math.max(0, Math.min(options.pollInterval, remaining)) * 1000, options.signal);
  }
}

async function tryAcquire(lockPath: string, ownerPath: string, logger: Logger): Promise<{ lock: TaskLock; freeLock: () => Promise<void> } | undefined> {
  let compromised: Error | undefined;
  let unlock: () => Promise<void>;
  try {
    unlock = await lockDirectory(lockPath, {
      lockfilePath: lockPath,
      realpath: false,
      stale: staleMs,
      update: refreshMs,
      retries: 0,
      onCompromised: (error) => {
        compromised = error;
        logger.error(
          `The task lock ${lockPath} was lost (${error.message}); another process may now work on this task, so stop this run to avoid conflicting writes`,
        );
      },
    });
  } catch (error) {
    if (!hasErrorCode(error, 'ELOCKED')) throw error;
    if (!(await takeOverIfOwnerDied(lockPath, ownerPath, logger))) return undefined;
    return tryAcquire(lockPath, ownerPath, logger);
  }
  await writeOwner(ownerPath, { pid: process.pid, host: os.hostname(), since: new Date().toISOString() });
  let released = false;
  const freeLock = async () => {
    if (released) return;
    released = true;
    await unlinkIfExists(ownerPath);
    try {
      await unlock();
    } catch (error) {
      // A compromised lock is already released (and its loss logged); there is nothing left to free.
      if (!(compromised && hasErrorCode(error, 'ERELEASED'))) throw error;
    }
  };
  const lock: TaskLock = {
    path: lockPath,
    get compromised() {
      return compromised;
    },
    release: freeLock,
  };
  return { lock, freeLock };
}

function reentrantHandle(lockPath: string, held: HeldLock): TaskLock {
  let released = false;
  return {
    path: lockPath,
    get compromised() {
      return held.lock.compromised;
    },
    async release() {
      if (released) return;
      released = true;
      held.depth -= 1;
      if (held.depth > 0) return;
      heldReentrantLocks.delete(lockPath);
      await held.freeLock();
    },
  };
}

/** Removes the lock if its recorded owner ran on this host and no longer exists. Returns whether it did. */
async function takeOverIfOwnerDied(lockPath: string, ownerPath: string, logger: Logger): Promise<boolean> {
  const owner = await readOwner(ownerPath);
  if (!owner || owner.host !== os.hostname() || owner.pid === process.pid || isProcessAlive(owner.pid)) return false;
  // The owner file must belong to the current lock, not to an earlier holder: the holder writes it after creating
  // the lock directory, so a lock directory born after the file was written is someone else's fresh lock.
  try {
    const [lockStat, ownerStat] = await Promise.all([fsp.stat(lockPath), fsp.stat(ownerPath)]);
    if (lockStat.birthtimeMs > ownerStat.mtimeMs) return false;
    await fsp.rmdir(lockPath);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return true;
    throw error;
  }
  logger.warn(`Took over the lock of pid ${owner.pid} on host ${owner.host} (since ${owner.since}), which is no longer running: ${lockPath}`);
  return true;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !hasErrorCode(error, 'ESRCH');
  }
}

async function readOwner(ownerPath: string): Promise<OwnerInfo | undefined> {
  try {
    const value = JSON.parse(await fsp.readFile(ownerPath, 'utf8')) as Partial<OwnerInfo>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.since === 'string') {
      return { pid: value.pid, host: value.host, since: value.since };
    }
    return undefined;
  } catch (error) {
    // A missing or half-written owner file only means the owner is unknown: the lock itself is what counts.
    if (hasErrorCode(error, 'ENOENT') || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function writeOwner(ownerPath: string, owner: OwnerInfo): Promise<void> {
  const temp = `${ownerPath}.tmp.${randomSuffix()}`;
  await fsp.writeFile(temp, `${JSON.stringify(owner)}\n`);
  await fsp.rename(temp, ownerPath);
}

/** "pid N on host H since T", read afresh because the holder may change while a contender waits. */
async function describeHolder(ownerPath: string): Promise<string> {
  const owner = await readOwner(ownerPath);
  if (!owner) return `another process (its owner is not recorded in ${ownerPath})`;
  return `pid ${owner.pid} on host ${owner.host} since ${owner.since}`;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError('Interrupted while waiting for the task lock'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError('Interrupted while waiting for the task lock'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
