import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sampleAttemptsPage, batchAttemptsPage } from '../../../src/host/attemptPages';
import { samplesPage } from '../../../src/host/samplePages';
import { type TaskFiles, withStartedTaskDb } from '../../../src/host/taskDbReads';
import { readTaskDocument } from '../../../src/host/taskDocuments';
import type { Attempt, AttemptPart, SampleItem } from '../../../src/shared/taskSnapshot';
import { useTempDir } from '../../support/store/tempDir';
import { startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { taskFromFile } from '../../support/taskManager/taskFileHost';

const articles = [
  { id: 'a1', body: 'The moon pulls the sea twice a day, and the tides follow it around the globe.' },
  { id: 'a2', body: 'Yeast makes dough rise.' },
];

const tasks = {
  summaries: {
    endpoint: '/v1/responses',
    input: 'articles.jsonl',
    key: 'id',
    messages: [
      { role: 'system', content: 'Summarise the article in one sentence.' },
      { role: 'user', content: 'Article: {{body}}' },
    ],
    request: { model: 'gpt-4o-mini', max_output_tokens: 60 },
  },
  vectors: { endpoint: '/v1/embeddings', input: 'articles.jsonl', key: 'id', embed: '{{body}}', request: { model: 'text-embedding-3-small', dimensions: 256 } },
};

describe('previews of Responses and Embeddings requests in the tree and its tabs (against the simulator)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('endpoint-previews');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness({ batchSeconds: 0.2 });
    fs.writeFileSync(path.join(tmp.dir, 'articles.jsonl'), articles.map((a) => JSON.stringify(a)).join('\n'));
  });
  afterEach(async () => {
    await h.close();
  });

  /** Runs a task of `tasks` in batches, then reads its first sample row, that sample's attempt and the three tabs. */
  async function inspect(name: keyof typeof tasks): Promise<{ sample: SampleItem; attempt: Attempt; batchRow: Attempt; tab: (part: AttemptPart) => Record<string, unknown> }> {
    assert.equal(await (await taskFromFile(h, tmp.dir, tasks, name, { requester: { min_batch_requests: 1 } })).run(), true);
    const files: TaskFiles = { name, taskDir: path.join(tmp.dir, '.gpt-batch', name), prefix: name };
    return withStartedTaskDb(files, (db) => {
      const [sample] = samplesPage(db, 'succeeded', undefined, 10).items;
      assert.ok(sample?.kind === 'sample' && sample.key === 'a1');
      const [attempt] = sampleAttemptsPage(db, sample.key, undefined, 10).items;
      assert.ok(attempt?.kind === 'attempt' && attempt.batch !== undefined);
      const batchRow = batchAttemptsPage(db, attempt.batch.place, attempt.batch.id, undefined, 10).items.find((item) => item.kind === 'attempt' && item.requestId === attempt.requestId);
      assert.ok(batchRow?.kind === 'attempt');
      const documents = Object.fromEntries(
        (['request', 'response', 'parsed'] as const).map((part) => [part, readTaskDocument(db, files, { kind: 'attempt', requestId: attempt.requestId, part }) as Record<string, unknown>]),
      );
      return { sample, attempt, batchRow, tab: (part) => documents[part] as Record<string, unknown> };
    });
  }

  it('a Responses request is labelled with its input text, and its parsed tab holds the answer text', async () => {
    const { sample, attempt, batchRow, tab } = await inspect('summaries');
    const input = `Article: ${articles[0]?.body}`;
    assert.equal(sample.detail, input);
    assert.equal(attempt.prompt, input);
    assert.equal(batchRow.prompt, input);
    assert.equal((tab('request').body as { input: unknown[] }).input.length, 2);
    assert.equal(tab('response').object, 'response');
    const parsed = tab('parsed');
    assert.equal(parsed.outcome, 'succeeded');
    assert.equal(parsed.parsed, tab('response').output_text);
    assert.ok(typeof parsed.parsed === 'string' && parsed.parsed.length > 0, `parsed is ${JSON.stringify(parsed.parsed)}`);
  });

  it('an Embeddings request is labelled with the text it embeds, and its tabs sum up the vector before showing it', async () => {
    const { sample, attempt, tab } = await inspect('vectors');
    assert.equal(sample.detail, articles[0]?.body);
    assert.equal(attempt.prompt, articles[0]?.body);
    const response = tab('response');
    assert.match(String(response.summary), /^1 vector of 256 dimensions · text-embedding-3-small · \d+ input tokens$/);
    assert.equal(Object.keys(response)[0], 'summary');
    assert.equal((response.data as { embedding: number[] }[])[0]?.embedding.length, 256);
    const parsed = tab('parsed');
    assert.equal(parsed.summary, response.summary);
    assert.ok(Array.isArray(parsed.parsed) && parsed.parsed.length === 256 && parsed.parsed.every((x) => typeof x === 'number'));
  });
});
