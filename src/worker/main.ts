import { format } from 'node:util';
import { parentPort, threadId } from 'node:worker_threads';
import type { Logger } from '../engine';
import { Channel, type MessageEndpoint } from '../protocol/channel';
import type { LogLevel } from '../protocol/messages';
import { checkSqlite } from './sqliteCheck';
import { TaskService } from './taskService';

/**
 * Entry of the engine worker (`dist/worker.js`), started by the extension with `new Worker(...)`. It serves the
 * requests of `protocol/messages.ts` that run and stop tasks (reads go to the reader, `dist/reader.js`) on
 * `parentPort` and sends its log lines to the extension as `engine/log`.
 */

if (parentPort === null) {
  throw new Error('dist/worker.js runs as a worker_threads worker; start it with new Worker(), not with node');
}
const port = parentPort;

const channel = new Channel(port as MessageEndpoint, {
  onError: (error) => logger.error(`Engine worker: ${error.stack ?? error.message}`),
});

function forward(level: LogLevel): (message: string, ...args: unknown[]) => void {
  return (message, ...args) => channel.notify('engine/log', { level, message: format(message, ...args) });
}

const logger: Logger = { error: forward('error'), warn: forward('warn'), info: forward('info'), debug: forward('debug') };

channel.onRequest('engine/ping', async () => {
  const sqlite = await checkSqlite();
  const sqliteNote = 'version' in sqlite ? `SQLite ${sqlite.version}` : `no SQLite (${sqlite.error})`;
  logger.info(`Engine worker answering ping: thread ${threadId}, Node ${process.version}, ${sqliteNote}`);
  return { pid: process.pid, threadId, node: process.version, sqlite };
});

const tasks = new TaskService(logger, (method, params) => channel.notify(method, params), process.env);

channel.onRequest('task/run', (params) => tasks.run(params));
channel.onRequest('task/stop', ({ task }) => ({ wasRunning: tasks.stop(task) }));
channel.onRequest('batch/cancel', (params) => tasks.cancelBatch(params));

channel.onRequest('engine/shutdown', async () => {
  logger.info(`Engine worker (thread ${threadId}) shutting down`);
  // Like Ctrl+C: every run stops at its next safe point, so nothing is lost and the next run resumes.
  await tasks.stopAll();
  // Closing the port ends the worker's event loop, so it exits with code 0; deferred so the answer goes out first.
  setImmediate(() => {
    channel.close('the engine worker shut down');
    port.close();
  });
  return null;
});

logger.debug(`Engine worker started: thread ${threadId}, Node ${process.version}`);
