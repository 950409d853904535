import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { batchAttemptsPage, sampleAttemptsPage } from '../../../src/host/attemptPages';
import { samplesPage } from '../../../src/host/samplePages';
import { type TaskFiles, withStartedTaskDb } from '../../../src/host/taskDbReads';
import { readTaskDocument } from '../../../src/host/taskDocuments';
import { attemptParts, type Attempt, type AttemptPart, type SampleItem } from '../../../src/shared/taskSnapshot';
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
  /** The tree's rows and tabs of sample a1 of a task that ran: its sample row, its attempt (also as its batch lists it) and the attempt's tabs. */
  function inspectFirstSample(name: string): { sample: SampleItem; attempt: Attempt; batchRow: Attempt; tab: (part: AttemptPart) => Record<string, unknown> } {
    const files: TaskFiles = { name, taskDir: path.join(tmp.dir, '.gpt-batch', name), prefix: name };
    return withStartedTaskDb(files, (db) => {
      const sample = samplesPage(db, 'succeeded', undefined, 10).items[0];
      assert.ok(sample?.kind === 'sample' && sample.key === 'a1');
      const attempt = sampleAttemptsPage(db, sample.key, undefined, 10).items[0];
      assert.ok(attempt?.kind === 'attempt' && attempt.batch !== undefined);
      const batchRow = batchAttemptsPage(db, attempt.batch.place, attempt.batch.id, undefined, 10).items.find((item) => item.kind === 'attempt' && item.requestId === attempt.requestId);
      assert.ok(batchRow?.kind === 'attempt');
      const tabs = new Map(attemptParts.map((part) => [part, readTaskDocument(db, files, { kind: 'attempt', requestId: attempt.requestId, part }) as Record<string, unknown>]));
      return { sample, attempt, batchRow, tab: (part) => tabs.get(part) ?? {} };
    });
  }
  /** The input text of article a1 as a tree row shows it, on one line. */
  const firstArticleText = `${articles[0]?.title} ${articles[0]?.body}`;
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

  it('summaries in the tree: rows show the input text, the parsed tab the structured answer of the Responses API', async () => {
    assert.equal(await (await taskFromFile(h, tmp.dir, readmeTasks(), 'summaries', { requester: { min_batch_requests: 1 } })).run(), true);
    const { sample, attempt, batchRow, tab } = inspectFirstSample('summaries');
    assert.equal(sample.detail, firstArticleText);
    assert.equal(attempt.prompt, firstArticleText);
    assert.equal(batchRow.prompt, firstArticleText);
    assert.equal(tab('response').object, 'response');
    const parsed = tab('parsed');
    assert.equal(parsed.outcome, 'succeeded');
    assert.deepEqual(parsed.parsed, tab('response').output_parsed);
    assert.equal(typeof (parsed.parsed as { summary?: unknown }).summary, 'string');
  });

  it('article_vectors in the tree: rows show the embedded text, the parsed tab sums up the vector before showing it, the response stays raw', async () => {
    assert.equal(await (await taskFromFile(h, tmp.dir, readmeTasks(), 'article_vectors')).run(), true);
    const { sample, attempt, tab } = inspectFirstSample('article_vectors');
    assert.equal(sample.detail, firstArticleText);
    assert.equal(attempt.prompt, firstArticleText);
    const response = tab('response');
    assert.equal(response.summary, undefined);
    assert.equal((response.data as { embedding: number[] }[])[0]?.embedding.length, 256);
    const parsed = tab('parsed');
    assert.match(String(parsed.summary), /^1 vector of 256 dimensions · text-embedding-3-small · \d+ input tokens$/);
    assert.ok(Array.isArray(parsed.parsed) && parsed.parsed.length === 256 && parsed.parsed.every((x) => typeof x === 'number'));
  });
});
