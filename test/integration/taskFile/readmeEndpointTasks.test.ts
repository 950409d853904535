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

/** The tasks of the README example whose first task is `first`, exactly as users copy them. */
function readmeTasks(first = 'summaries'): Record<string, unknown> {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
  const block = new RegExp(`\`\`\`json\\n(\\{\\n {2}"tasks": \\{\\n {4}"${first}"[\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(block, `the README has the example with the task ${first}`);
  return (JSON.parse(block[1] as string) as { tasks: Record<string, unknown> }).tasks;
}

const articles = [
  { id: 'a1', title: 'Tides', body: 'The moon pulls the sea.' },
  { id: 'a2', title: 'Bread', body: 'Yeast makes dough rise.' },
  { id: 'a3', title: 'Bees', body: 'Bees dance to show where flowers are.' },
];

describe('The README Responses, Embeddings and Anthropic template examples (against the simulator)', function () {
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

  const claudeOutput = () => readJsonlLines<{ key: string; output: unknown; model: string }>(path.join(tmp.dir, '.gpt-batch', 'claude_summaries', 'claude_summaries_output.jsonl'));

  for (const [mode, overrides, route] of [
    ['one Message Batch', { min_batch_requests: 1 }, 'POST /v1/messages/batches'],
    ['the Messages API directly', { force_direct: true }, 'POST /v1/messages'],
  ] as const) {
    it(`claude_summaries through ${mode}: the parsed summary and topics of every article`, async () => {
      assert.equal(await (await taskFromFile(h, tmp.dir, readmeTasks('claude_summaries'), 'claude_summaries', { requester: overrides })).run(), true);
      const lines = claudeOutput();
      assert.deepEqual(lines.map((l) => l.key).sort(), ['a1', 'a2', 'a3']);
      for (const { output, model } of lines) {
        const { summary, topics } = output as { summary: unknown; topics: unknown };
        assert.equal(typeof summary, 'string');
        assert.ok(Array.isArray(topics) && topics.every((t) => typeof t === 'string'));
        assert.equal(model, 'claude-haiku-4-5');
      }
      const routes = h.sim.stats().routes;
      assert.equal(routes[route], mode === 'one Message Batch' ? 1 : 3);
      assert.equal((routes['POST /v1/batches'] ?? 0) + (routes['POST /v1/chat/completions'] ?? 0), 0, "the task used OpenAI's API");
    });
  }

  it("the tree's tabs show an Anthropic attempt: the Messages body, the raw Message and the parsed tool input; max_tokens stops are cut short", async () => {
    const tasks = readmeTasks('claude_summaries');
    const task = tasks.claude_summaries as { request: Record<string, unknown> };
    const short = { ...task, request: { ...task.request, max_tokens: 3 }, max_retries: 0 };
    assert.equal(await (await taskFromFile(h, tmp.dir, { ...tasks, short }, 'short', { requester: { force_direct: true } })).run(), true);
    assert.equal(await (await taskFromFile(h, tmp.dir, tasks, 'claude_summaries', { requester: { force_direct: true } })).run(), true);
    const files = { name: 'claude_summaries', taskDir: path.join(tmp.dir, '.gpt-batch', 'claude_summaries'), prefix: 'claude_summaries' };
    withStartedTaskDb(files, (db) => {
      const request = readTaskDocument(db, files, { kind: 'attempt', requestId: 1, part: 'request' }) as { body: { system: string; messages: { role: string }[]; tool_choice: { name: string } } };
      assert.equal(request.body.system, 'Summarise the article in one sentence and list its topics.');
      assert.deepEqual(request.body.messages.map((m) => m.role), ['user']);
      assert.equal(request.body.tool_choice.name, 'Response');
      const response = readTaskDocument(db, files, { kind: 'attempt', requestId: 1, part: 'response' }) as { type: string; stop_reason: string; content: { type: string; input: unknown }[] };
      assert.equal(response.type, 'message');
      assert.equal(response.stop_reason, 'tool_use');
      const parsed = readTaskDocument(db, files, { kind: 'attempt', requestId: 1, part: 'parsed' }) as { outcome: string; parsed: unknown };
      assert.equal(parsed.outcome, 'succeeded');
      assert.deepEqual(parsed.parsed, response.content[0]?.input);
      assert.equal(samplesPage(db, 'cutShort', undefined, 10).total, 0);
    });
    const shortFiles = { name: 'short', taskDir: path.join(tmp.dir, '.gpt-batch', 'short'), prefix: 'short' };
    withStartedTaskDb(shortFiles, (db) => {
      assert.equal(samplesPage(db, 'cutShort', undefined, 10).total, 3, 'answers stopped by max_tokens are cut short');
      const parsed = readTaskDocument(db, shortFiles, { kind: 'attempt', requestId: 1, part: 'parsed' }) as { outcome: string; warnings: { subtype: string }[] };
      assert.equal(parsed.outcome, 'failed');
      assert.equal(parsed.warnings[0]?.subtype, 'FinishReason');
    });
  });
});
