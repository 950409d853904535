import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../src/shared/errors';
import { useTempDir } from '../../support/store/tempDir';
import { readJsonlLines, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { taskFromFile } from '../../support/taskManager/taskFileHost';

const fixtures = path.resolve(__dirname, '../../fixtures/taskFile');

describe('Module tasks (against the simulator)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('module-task');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
    for (const name of ['echoTask.js', 'notATask.js']) fs.copyFileSync(path.join(fixtures, name), path.join(tmp.dir, name));
  });
  afterEach(async () => {
    await h.close();
  });

  it('runs a module that subclasses context.TaskManager, with its module_options', async () => {
    const task = await taskFromFile(h, tmp.dir, { echo: { module: './echoTask.js', module_options: { words: ['alpha', 'beta'] }, force_direct: true } }, 'echo');
    assert.equal(await task.run(), true);
    const lines = readJsonlLines<{ word: string; reply: string }>(path.join(tmp.dir, '.gpt-batch', 'echo', 'echo_output.jsonl'));
    assert.deepEqual(lines.map((l) => l.word).sort(), ['alpha', 'beta']);
    assert.ok(lines.every((l) => l.reply.length > 0));
    assert.equal(h.sim.stats().chatCompletionCalls, 2);
    const again = await taskFromFile(h, tmp.dir, { echo: { module: './echoTask.js', module_options: { words: ['alpha', 'beta', 'gamma'] }, force_direct: true } }, 'echo');
    assert.equal(await again.run(), true);
    assert.equal(h.sim.stats().chatCompletionCalls, 3);
  });

  it('runs a module on the embeddings endpoint set in the task file, in a batch, reading answers through endpointWireFor', async () => {
    const task = await taskFromFile(h, tmp.dir, { embed: { module: './echoTask.js', module_options: { words: ['alpha', 'beta', 'gamma'] }, endpoint: '/v1/embeddings', min_batch_requests: 1 } }, 'embed');
    assert.equal(await task.run(), true);
    const lines = readJsonlLines<{ word: string; reply: number[][] }>(path.join(tmp.dir, '.gpt-batch', 'embed', 'embed_output.jsonl'));
    assert.deepEqual(lines.map((l) => l.word).sort(), ['alpha', 'beta', 'gamma']);
    for (const line of lines) {
      assert.equal(line.reply.length, 2, 'one vector per input');
      assert.ok(line.reply.every((v) => v.length === 4));
      assert.notDeepEqual(line.reply[0], line.reply[1]);
    }
    assert.equal(h.sim.stats().routes['POST /v1/batches'], 1);
    assert.equal(h.sim.stats().routes['POST /v1/embeddings'] ?? 0, 0);
  });

  it('refuses a module whose createTask does not return a TaskManager, naming the task and the module', async () => {
    await assert.rejects(
      taskFromFile(h, tmp.dir, { odd: { module: './notATask.js' } }, 'odd'),
      (error: unknown) => EngineError.is(error, 'invalidInput') && /task 'odd': createTask of .*notATask\.js must return an instance of context\.TaskManager/.test(error.message),
    );
  });

  it('names the task and the path of a module that cannot be loaded', async () => {
    await assert.rejects(
      taskFromFile(h, tmp.dir, { gone: { module: './missing.js' } }, 'gone'),
      (error: unknown) => EngineError.is(error, 'invalidInput') && /task 'gone': cannot load module .*missing\.js/.test(error.message),
    );
  });
});
