import assert from 'node:assert/strict';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { CorruptedStateError, EngineError, InvalidInputError, MissingApiKeyError, TaskLockedError } from '../../../src/shared/errors';
import { Channel, type MessageEndpoint } from '../../../src/protocol/channel';
import { type LogParams, type PingResult, ProtocolError } from '../../../src/protocol/messages';

/** Two channels joined by a real MessageChannel, as the extension and the worker are; `errors` collects onError calls. */
function connectedPair() {
  const { port1, port2 } = new MessageChannel();
  const extensionErrors: Error[] = [];
  const workerErrors: Error[] = [];
  const extension = new Channel(port1 as MessageEndpoint, { onError: (e) => extensionErrors.push(e) });
  const worker = new Channel(port2 as MessageEndpoint, { onError: (e) => workerErrors.push(e) });
  return { port1, port2, extension, worker, extensionErrors, workerErrors };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves once `predicate` holds, checking after each message the port delivers. */
function untilPortDelivers(port: MessagePort, predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!predicate()) return;
      port.off('message', check);
      resolve();
    };
    port.on('message', () => setImmediate(check));
  });
}

describe('protocol channel', () => {
  let pair: ReturnType<typeof connectedPair>;
  beforeEach(() => {
    pair = connectedPair();
  });
  afterEach(() => {
    pair.port1.close();
    pair.port2.close();
  });

  it('answers a request with the handler result', async () => {
    const pong: PingResult = { pid: 42, threadId: 7, node: 'v24.21.0', sqlite: { version: '3.45.1', addon: '/ext/dist/node_modules/@libsql/linux-x64-gnu/index.node' } };
    pair.worker.onRequest('engine/ping', () => pong);
    assert.deepEqual(await pair.extension.request('engine/ping', {}), pong);
    assert.deepEqual(await pair.extension.request('engine/ping', {}, { timeoutMs: 10_000 }), pong);
  });

  it('rebuilds engine errors with their class, reason, message and remote stack', async () => {
    const thrown = [
      new InvalidInputError('gpt-batch.json: tasks.char_codes.model must be a string'),
      new CorruptedStateError('/tmp/task/state.json', 'state.json is truncated'),
      new TaskLockedError('Task is locked by pid 12 on host h'),
      new EngineError('aborted', 'Too many failed batches'),
    ];
    let next = 0;
    pair.worker.onRequest('engine/ping', () => {
      throw thrown[next++];
    });
    for (const original of thrown) {
      const received = await pair.extension.request('engine/ping', {}).then(
        () => assert.fail('the request should have been rejected'),
        (error: unknown) => error,
      );
      assert.ok(received instanceof EngineError);
      assert.equal(received.constructor, original.constructor);
      assert.equal(received.name, original.name);
      assert.equal(received.reason, original.reason);
      assert.equal(received.message, original.message);
      assert.equal(received.stack, original.stack);
    }
  });

  it('keeps the file of a CorruptedStateError and the name of errors it has no class for', async () => {
    const errors = [new CorruptedStateError('/tmp/t/queue.jsonl', 'queue.jsonl line 3 is not JSON'), new RangeError('out of range')];
    let next = 0;
    pair.worker.onRequest('engine/ping', () => {
      throw errors[next++];
    });
    await assert.rejects(
      pair.extension.request('engine/ping', {}),
      (error: unknown) => error instanceof CorruptedStateError && error.file === '/tmp/t/queue.jsonl',
    );
    await assert.rejects(pair.extension.request('engine/ping', {}), { name: 'RangeError', message: 'out of range' });
  });

  it('keeps the provider of a MissingApiKeyError, which is still an input error', async () => {
    pair.worker.onRequest('engine/ping', () => {
      throw new MissingApiKeyError('anthropic', 'No Anthropic API key: set one');
    });
    await assert.rejects(
      pair.extension.request('engine/ping', {}),
      (error: unknown) => error instanceof MissingApiKeyError && error instanceof InvalidInputError && error.provider === 'anthropic' && error.reason === 'invalidInput',
    );
  });

  it('rejects with a timeout error and reports the answer that comes too late', async () => {
    const release = deferred<PingResult>();
    pair.worker.onRequest('engine/ping', () => release.promise);
    await assert.rejects(
      pair.extension.request('engine/ping', {}, { timeoutMs: 50 }),
      (error: unknown) => ProtocolError.is(error, 'timeout') && error.message.includes('engine/ping'),
    );
    const reported = untilPortDelivers(pair.port1, () => pair.extensionErrors.length > 0);
    release.resolve({ pid: 1, threadId: 1, node: 'v24', sqlite: { error: 'not loaded' } });
    await reported;
    assert.ok(ProtocolError.is(pair.extensionErrors[0], 'invalidMessage'));
  });

  it('rejects a request the other side has no handler for', async () => {
    await assert.rejects(
      pair.extension.request('engine/shutdown', {}),
      (error: unknown) => ProtocolError.is(error, 'unknownMethod') && error.message.includes('engine/shutdown'),
    );
  });

  it('rejects invalid params on the serving side and invalid results on the requesting side', async () => {
    pair.worker.onRequest('engine/ping', () => ({ pid: 'not a number' }) as never);
    await assert.rejects(pair.extension.request('engine/ping', { extra: true } as never), (error: unknown) =>
      ProtocolError.is(error, 'invalidMessage') && error.message.includes('params of engine/ping'),
    );
    await assert.rejects(pair.extension.request('engine/ping', {}), (error: unknown) =>
      ProtocolError.is(error, 'invalidMessage') && error.message.includes('result of engine/ping'),
    );
  });

  it('delivers notifications to every listener until it is disposed', async () => {
    const first: LogParams[] = [];
    const second: LogParams[] = [];
    const registration = pair.extension.onNotification('engine/log', (params) => first.push(params));
    pair.extension.onNotification('engine/log', (params) => second.push(params));
    pair.worker.notify('engine/log', { level: 'info', message: 'one' });
    await untilPortDelivers(pair.port1, () => second.length === 1);
    registration.dispose();
    pair.worker.notify('engine/log', { level: 'warn', message: 'two' });
    await untilPortDelivers(pair.port1, () => second.length === 2);
    assert.deepEqual(first, [{ level: 'info', message: 'one' }]);
    assert.deepEqual(second, [
      { level: 'info', message: 'one' },
      { level: 'warn', message: 'two' },
    ]);
  });

  it('reports unknown notifications, invalid notification params and malformed messages', async () => {
    pair.port2.postMessage({ kind: 'notification', method: 'engine/nonexistent', params: {} });
    pair.port2.postMessage({ kind: 'notification', method: 'engine/log', params: { level: 'loud', message: 'x' } });
    pair.port2.postMessage({ id: 3 });
    await untilPortDelivers(pair.port1, () => pair.extensionErrors.length === 3);
    assert.deepEqual(
      pair.extensionErrors.map((e) => (e as ProtocolError).reason),
      ['unknownMethod', 'invalidMessage', 'invalidMessage'],
    );
  });

  it('rejects pending and later requests once the other side closes its port', async () => {
    pair.worker.onRequest('engine/ping', () => new Promise<never>(() => {}));
    const pending = pair.extension.request('engine/ping', {});
    const closed = new Promise((resolve) => pair.port1.once('close', resolve));
    pair.port2.close();
    await closed;
    await assert.rejects(pending, (error: unknown) => ProtocolError.is(error, 'closed'));
    assert.ok(pair.extension.isClosed);
    await assert.rejects(pair.extension.request('engine/ping', {}), (error: unknown) => ProtocolError.is(error, 'closed'));
  });
});
