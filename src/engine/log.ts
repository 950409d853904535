/**
 * The logger the engine writes to. Its methods match VS Code's `LogOutputChannel` and the console, so either
 * can be passed in directly.
 */
export interface Logger {
  error(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
}

/** A logger that discards everything. */
export const noopLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
};

/** Log levels in increasing verbosity. */
export type LogLevel = 'off' | 'error' | 'warn' | 'info' | 'debug';

const levelRank: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Returns a logger that forwards only messages at `level` or more severe. */
export function filterLogger(logger: Logger, level: LogLevel): Logger {
  const rank = levelRank[level];
  return {
    error: rank >= 1 ? logger.error.bind(logger) : () => {},
    warn: rank >= 2 ? logger.warn.bind(logger) : () => {},
    info: rank >= 3 ? logger.info.bind(logger) : () => {},
    debug: rank >= 4 ? logger.debug.bind(logger) : () => {},
  };
}

/** A logger that records every message, for tests and for replaying logs into another sink. */
export class MemoryLogger implements Logger {
  readonly records: { level: Exclude<LogLevel, 'off'>; message: string }[] = [];
  error(message: string): void {
    this.records.push({ level: 'error', message });
  }
  warn(message: string): void {
    this.records.push({ level: 'warn', message });
  }
  info(message: string): void {
    this.records.push({ level: 'info', message });
  }
  debug(message: string): void {
    this.records.push({ level: 'debug', message });
  }
  /** All messages joined by newlines, for `match` assertions. */
  text(): string {
    return this.records.map((r) => r.message).join('\n');
  }
}
