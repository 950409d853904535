import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useTempDir } from '../../support/store/tempDir';
import { readJsonlLines, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { taskFromFile } from '../../support/taskManager/taskFileHost';
import { taskDbContent } from '../../support/taskManager/taskStateAt';

/** The module task example of the README, exactly as users copy it. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
  const block = /```js\n(\/\/ reviews\.js[\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README has the reviews.js example');
  return block[1] as string;
}

describe('The README module task example (against the simulator)', function () {
  // Below min_batch_requests, so the three requests go through the direct API.
  this.timeout(60_000);
  const tmp = useTempDir('readme-module');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness({ batchSeconds: 0.2 });
  });
  afterEach(async () => {
    await h.close();
  });

  it('runs (three requests go direct), saves its samples in the task database and generates nothing twice', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'reviews.js'), readmeExample());
    const reviews = [
      { id: 'r1', text: 'Arrived broken.' },
      { id: 'r2', text: 'Does what it says.' },
      { id: 'r3', text: 'Best purchase this year.' },
    ];
    fs.writeFileSync(path.join(tmp.dir, 'reviews.json'), JSON.stringify(reviews));
    const tasks = { reviews: { module: './reviews.js' } };
    assert.equal(await (await taskFromFile(h, tmp.dir, tasks, 'reviews')).run(), true);
    const taskDir = path.join(tmp.dir, '.gpt-batch', 'reviews');
    const lines = readJsonlLines<{ key: string; text: string }>(path.join(taskDir, 'reviews_output.jsonl'));
    assert.deepEqual(lines.map((l) => l.key).sort(), ['r1', 'r2', 'r3']);
    assert.ok(lines.every((l) => l.text.length > 0));
    const content = taskDbContent(taskDir);
    for (const id of ['r1', 'r2', 'r3']) assert.ok(content['task.db:requests']?.includes(`"sample_key":"${id}"`), `request of ${id} is linked to its sample`);
    assert.equal(h.sim.stats().chatCompletionCalls, 3);

    assert.equal(await (await taskFromFile(h, tmp.dir, tasks, 'reviews')).run(), true);
    assert.equal(h.sim.stats().chatCompletionCalls, 3, 'a second run generated the finished samples again');
  });
});
