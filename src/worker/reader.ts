import { format } from 'node:util';
import { parentPort, threadId } from 'node:worker_threads';
import { taskDashboard } from '../host/dashboardData';
import { Channel, type MessageEndpoint } from '../protocol/channel';
import { checkSqlite } from './sqliteCheck';
import { ReadService } from './readService';

/**
 * Entry of the read-only query worker (`dist/reader.js`), started by the extension beside the engine worker. It
 * answers the reads of `protocol/messages.ts` (snapshots, pages, documents, finding samples, the dashboard, checking the task file)
 * on its own thread and never writes a task's files; its log lines go to the extension as `engine/log`.
 */

if (parentPort === null) {
  throw new Error('dist/reader.js runs as a worker_threads worker; start it with new Worker(), not with node');
}
const port = parentPort;

const channel = new Channel(port as MessageEndpoint, {
  onError: (error) => channel.notify('engine/log', { level: 'error', message: `Reader: ${error.stack ?? error.message}` }),
});
const reads = new ReadService(process.env);

channel.onRequest('engine/ping', async () => ({ pid: process.pid, threadId, node: process.version, sqlite: await checkSqlite() }));
channel.onRequest('tasks/snapshot', (params) => reads.snapshot(params));
channel.onRequest('task/page', (params) => reads.page(params));
channel.onRequest('task/document', (params) => reads.document(params));
channel.onRequest('samples/find', (params) => reads.find(params));
channel.onRequest('task/dashboard', ({ file, task }) => taskDashboard(file, task, process.env));
channel.onRequest('taskFile/check', (params) => reads.check(params));
channel.onRequest('engine/shutdown', () => {
  // Nothing to finish: every read is synchronous once it started. Deferred so the answer goes out first.
  setImmediate(() => {
    channel.close('the reader shut down');
    port.close();
  });
  return null;
});

channel.notify('engine/log', { level: 'debug', message: format('Reader started: thread %d, Node %s', threadId, process.version) });
