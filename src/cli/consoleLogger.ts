import type { Logger } from '../engine';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const levels = {
  debug: { tag: 'DEBUG', color: '\x1b[2m' },
  info: { tag: ' INFO', color: '\x1b[34m' },
  warn: { tag: ' WARN', color: '\x1b[33m' },
  error: { tag: 'ERROR', color: '\x1b[31m' },
} as const;

function timestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getDate())}-${months[date.getMonth()]}-${p(date.getFullYear() % 100)} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/** Options of `consoleLogger`. */
export interface ConsoleLoggerOptions {
  debug?: boolean;
  /** Lets a live progress line clear itself before a log line is printed. */
  beforeWrite?: () => void;
  /** Lets the progress line draw itself again below a log line. */
  afterWrite?: () => void;
  /** Called once when the reader of the stream goes away (EPIPE, e.g. `gpt-batch demo ... | head`). */
  onClosed?: () => void;
}

/**
 * The terminal logger: `[LEVEL][dd-Mon-yy HH:MM:SS] message`, level tags coloured when writing to a terminal.
 * When the stream's reader goes away, the logger stops writing and calls `onClosed` instead of letting the
 * write error end the process in the middle of a unit of work; any other stream error is rethrown.
 */
export function consoleLogger(stream: NodeJS.WriteStream = process.stdout, options: ConsoleLoggerOptions = {}): Logger {
  const color = stream.isTTY === true && !process.env.NO_COLOR;
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (closed) return;
    closed = true;
    options.onClosed?.();
  });
  const write = (level: keyof typeof levels, message: string) => {
    if (closed) return;
    options.beforeWrite?.();
    const { tag, color: code } = levels[level];
    const head = color ? `[${code}${tag}\x1b[0m]` : `[${tag}]`;
    stream.write(`${head}[${timestamp(new Date())}] ${message}\n`);
    options.afterWrite?.();
  };
  return {
    error: (message) => write('error', message),
    warn: (message) => write('warn', message),
    info: (message) => write('info', message),
    debug: (message) => {
      if (options.debug) write('debug', message);
    },
  };
}
