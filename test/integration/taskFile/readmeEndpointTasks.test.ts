import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useTempDir } from '../../support/store/tempDir';
import { readJsonlLines, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { taskFromFile } from '../../support/taskManager/taskFileHost';

/** The tasks of the README's endpoint example, exactly as users copy them. */
function readmeTasks(): Record<string, unknown> {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
  const block = /```json\n(\{\n {2}"tasks": \{\n {4}"summaries"[\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README has the Responses and Embeddings example');
  return (JSON.parse(block[1] as string) as { tasks: Record<string, unknown> }).tasks;
}

const articles = [
  { id: 'a1', title: 'Tides', body: 'The moon pulls the sea.' },
  { id: 'a2', title: 'Bread', body: 'Yeast makes dough rise.' },
  { id: 'a3', title: 'Bees', body: 'Bees dance to show where flowers are.' },
];

describe('The README Responses and Embeddings template examples (against the simulator)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('readme-endpoints');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness({ batchSeconds: 0.2 });
    fs.writeFileSync(path.join(tmp.dir, 'articles.jsonl'), articles.map((a) => JSON.stringify(a)).join('\n'));
  });
  afterEach(async () => {
    await h.close();
  });
  const outputOf = (name: string) => readJsonlLines<{ key: string; output: unknown }>(path.join(tmp.dir, '.gpt-batch', name, `${name}_output.jsonl`));

  it('summaries: one batch on /v1/responses, and the parsed summary and topics of every article', async () => {
    assert.equal(await (await taskFromFile(h, tmp.dir, readmeTasks(), 'summaries', { requester: { min_batch_requests: 1 } })).run(), true);
    const lines = outputOf('summaries');
    assert.deepEqual(lines.map((l) => l.key).sort(), ['a1', 'a2', 'a3']);
    for (const { output } of lines) {
      const { summary, topics } = output as { summary: unknown; topics: unknown };
      assert.equal(typeof summary, 'string');
      assert.ok(Array.isArray(topics) && topics.every((t) => typeof t === 'string'));
    }
    assert.equal(h.sim.stats().routes['POST /v1/batches'], 1);
  });

  it('article_vectors: a 256-dimension vector per article through the direct API', async () => {
    assert.equal(await (await taskFromFile(h, tmp.dir, readmeTasks(), 'article_vectors')).run(), true);
    const lines = outputOf('article_vectors');
    assert.deepEqual(lines.map((l) => l.key).sort(), ['a1', 'a2', 'a3']);
    assert.ok(lines.every((l) => Array.isArray(l.output) && l.output.length === 256));
    assert.equal(h.sim.stats().routes['POST /v1/embeddings'], 3);
  });
});
