import { InterruptedError } from '../../shared/errors';
import type { Logger } from '../log';

/**
 * Holds interrupts (an aborted signal, Ctrl+C, Stop) back while a unit of work runs, and delivers them at the
 * next safe point: when the outermost unit ends, at a checkpoint, or during a sleep.
 */
export class InterruptGate {
  private readonly deliverable = new AbortController();
  private reason: string | undefined;
  private depth = 0;

  constructor(signal?: AbortSignal) {
    if (signal?.aborted) this.request(describeReason(signal.reason));
    else signal?.addEventListener('abort', () => this.request(describeReason(signal.reason)), { once: true });
  }

  /** True once an interrupt (abort of the signal, or request()) has been received. */
  get requested(): boolean {
    return this.reason !== undefined;
  }

  /** An AbortSignal that fires when an interrupt is requested and no unit is running (for HTTP calls made outside
   *  units; calls inside a unit are never cut short). */
  get signal(): AbortSignal {
    return this.deliverable.signal;
  }

  /** Records an interrupt; it is delivered at once if no unit is running, else when the outermost one ends. */
  request(reason = 'interrupt requested'): void {
    this.reason ??= reason;
    if (this.depth === 0) this.fire();
  }

  /** Runs body as one unit: an interrupt arriving meanwhile is held; when the OUTERMOST deferred body ends (success
   *  or failure) and an interrupt is pending, throws InterruptedError (unless body itself threw: then its error wins). */
  async defer<T>(body: () => Promise<T>): Promise<T> {
    this.depth += 1;
    let result: T;
    try {
      result = await body();
    } finally {
      this.depth -= 1;
      if (this.depth === 0 && this.requested) this.fire();
    }
    if (this.depth === 0) this.checkpoint();
    return result;
  }

  /** Throws InterruptedError if an interrupt is pending and no unit is running. */
  checkpoint(): void {
    if (this.depth === 0 && this.reason !== undefined) throw this.interruptedError();
  }

  /** Resolves after ms; rejects with InterruptedError as soon as an interrupt is requested (never inside a unit). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.signal.aborted) {
        reject(this.interruptedError());
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.interruptedError());
      };
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private fire(): void {
    if (!this.deliverable.signal.aborted) this.deliverable.abort(this.interruptedError());
  }

  private interruptedError(): InterruptedError {
    return new InterruptedError(`Interrupted (${this.reason ?? 'interrupt requested'}); the last finished unit of work is saved`);
  }
}

function describeReason(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'aborted';
}

const forcedExitCodes: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * For the CLI: SIGINT and SIGTERM abort the controller. The first signal asks the run to stop at the next safe
 * point, the second says that the current unit of work is still finishing, the third exits at once (130 for
 * SIGINT, 143 for SIGTERM), losing the unsaved work of the current unit while saved state stays consistent.
 * Returns an uninstall function.
 */
export function installSignalHandlers(controller: AbortController, logger: Logger): () => void {
  let received = 0;
  const handle = (signal: 'SIGINT' | 'SIGTERM') => {
    received += 1;
    if (received === 1) {
      logger.warn(`Received ${signal}: stopping at the next safe point (the current unit of work finishes first)...`);
      controller.abort(signal);
    } else if (received === 2) {
      logger.warn(
        `Received ${signal} again: still finishing the current unit of work. A third Ctrl+C forces an exit; the unsaved work of the current unit is then lost, but saved state stays consistent.`,
      );
    } else {
      logger.error(`Received ${signal} a third time: exiting now; the unsaved work of the current unit is lost, saved state stays consistent.`);
      process.exit(forcedExitCodes[signal]);
    }
  };
  const onSigint = () => handle('SIGINT');
  const onSigterm = () => handle('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return () => {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  };
}
