import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateJson, type JsonSchema } from '../../../src/engine';
import { buildCli, describeResult, runCli } from '../../support/cli/cliProcess';
import { describeRuns, interruptUntilComplete, type InterruptLoopReport } from '../../support/cli/interruptLoop';
import { SimChild } from '../../support/cli/simChild';
import { jsonlLines } from '../../support/cli/taskFiles';

const recordCount = 200;
const signals = ['SIGINT', 'SIGKILL', 'SIGINT', 'SIGKILL'] as const;
/** Direct requests in flight at once: what a kill -9 can lose (answered by the provider, not yet saved). */
const directConcurrency = 2;
const dimensions = 8;

const summarySchema: JsonSchema = {
  type: 'object',
  properties: { summary: { type: 'string' }, words: { type: 'integer' } },
  required: ['summary', 'words'],
  additionalProperties: false,
};

/** Structured answers through the Responses API. */
const answersTask = {
  endpoint: '/v1/responses',
  input: 'topics.jsonl',
  key: 'id',
  messages: [
    { role: 'developer', content: 'Summarise the topic in a few words.' },
    { role: 'user', content: 'Topic: {{topic}}' },
  ],
  response_schema: summarySchema,
  response_schema_name: 'TopicSummary',
  request: { model: 'gpt-4o-mini', max_output_tokens: 80 },
};

/**
 * The template tasks: structured answers through the Responses API, a vector per record, and structured answers from
 * Claude through Anthropic's Message Batches and Messages API.
 */
const tasks = {
  answers: answersTask,
  vectors: {
    endpoint: '/v1/embeddings',
    input: 'topics.jsonl',
    key: 'id',
    embed: 'A text about {{topic}}',
    request: { model: 'text-embedding-3-small', dimensions },
  },
  claude: {
    ...answersTask,
    provider: 'anthropic',
    endpoint: '/v1/messages',
    messages: answersTask.messages.map((m) => ({ ...m, role: m.role === 'developer' ? 'system' : m.role })),
    request: { model: 'claude-haiku-4-5-20251001', max_tokens: 80 },
  },
};

type TaskName = keyof typeof tasks;

/** The simulator routes each provider's batches go through: creations, the clean-up after processing, direct calls. */
function routesOf(name: TaskName): { create: string; cleanUp: string; direct: string } {
  if (name === 'claude') return { create: 'POST /v1/messages/batches', cleanUp: 'DELETE /v1/messages/batches/{id}', direct: 'POST /v1/messages' };
  return { create: 'POST /v1/batches', cleanUp: 'DELETE /v1/files/{id}', direct: `POST ${tasks[name].endpoint}` };
}

/** Batch prices in USD per million tokens. */
interface BatchPrices {
  input: number;
  cachedInput: number;
  output: number;
}

/**
 * The model's own batch prices, not the gpt-4o defaults of the cost options ($1.25 and $5.00): gpt-4o-mini at half its
 * price ($0.075 input, cached input at the batch input price, $0.30 output per million), Claude Haiku 4.5 at half its
 * price ($0.50 input, $0.05 cache reads, $2.50 output). Read from the status run's batch totals.
 */
const modelBatchPrices: Partial<Record<TaskName, BatchPrices>> = {
  answers: { input: 0.075, cachedInput: 0.075, output: 0.3 },
  claude: { input: 0.5, cachedInput: 0.05, output: 2.5 },
};

function assertModelBatchPrices(statusOutput: string, prices: BatchPrices): void {
  const figures = /completed in BATCH mode, .*?(\d+) cached input \+ (\d+) uncached input \+ \d+ reasoning \+ (\d+) response = \d+ total tokens.*?([0-9.]+) true cost/.exec(statusOutput);
  assert.ok(figures, `no batch totals in\n${statusOutput}`);
  const [cached, uncached, output, trueCost] = figures.slice(1).map(Number) as [number, number, number, number];
  const modelCost = (cached * prices.cachedInput + uncached * prices.input + output * prices.output) / 1e6;
  const gpt4oCost = ((cached + uncached) * 1.25 + output * 5) / 1e6;
  assert.ok(Math.abs(trueCost - modelCost) <= 0.0006, `true cost ${trueCost}, the model's prices give ${modelCost.toFixed(4)}`);
  assert.ok(Math.abs(trueCost - gpt4oCost) > 0.002, `true cost ${trueCost} is what gpt-4o's prices give`);
}

/** Checks what a finished task left: every record once in the output or failure file, and outputs of the right shape. */
function assertOutputsComplete(workDir: string, name: TaskName): number {
  const dir = path.join(workDir, '.gpt-batch', name);
  const succeeded = jsonlLines(path.join(dir, `${name}_output.jsonl`));
  const failed = jsonlLines(path.join(dir, `${name}_output_failed.jsonl`));
  const keys = [...succeeded, ...failed].map((line) => line.key as string).sort();
  const expected = Array.from({ length: recordCount }, (_, i) => `t${i}`).sort();
  assert.deepEqual(keys, expected, 'each record must appear exactly once in the output or the failures');
  for (const line of succeeded) {
    if (name !== 'vectors') {
      assert.deepEqual(validateJson(summarySchema, line.output), [], `output of ${String(line.key)} does not match the schema: ${JSON.stringify(line.output)}`);
    } else {
      const vector = line.output as number[];
      assert.equal(vector.length, dimensions, `vector of ${String(line.key)}`);
      const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-5, `vector of ${String(line.key)} is not a unit vector (norm ${norm})`);
    }
  }
  return succeeded.length;
}

describe('Responses, embeddings and Anthropic template tasks under faults, Ctrl+C and kill -9 (built CLI)', function () {
  // Several CLI runs of a 200-record task per test; generous for a loaded 2-core machine.
  this.timeout(600_000);
  let workDir = '';
  let sim: SimChild | undefined;

  before(() => {
    buildCli();
  });
  beforeEach(() => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-endpoints-'));
    const records = Array.from({ length: recordCount }, (_, i) => JSON.stringify({ id: `t${i}`, topic: `subject ${i % 50} of ${i}` }));
    fs.writeFileSync(path.join(workDir, 'topics.jsonl'), `${records.join('\n')}\n`);
    fs.writeFileSync(path.join(workDir, 'gpt-batch.json'), JSON.stringify({ tasks }));
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  // The simulator serves Anthropic's API at its root (the SDK adds /v1/...).
  const clientArgs = (name: TaskName) => (name === 'claude' ? ['--client_base_url', (sim?.baseUrl ?? '').replace(/\/v1$/, ''), '--anthropic_api_key', 'sim', '--no_wandb'] : (sim?.clientArgs ?? []));
  const taskArgs = (name: TaskName, extra: string[]) => ['run', '--config', path.join(workDir, 'gpt-batch.json'), '--task', name, ...clientArgs(name), ...extra];

  async function assertStatusComplete(args: string[]): Promise<string> {
    const status = await runCli([...args, '--no_run']);
    assert.equal(status.code, 0, `status run after completion failed\n${describeResult(status)}`);
    assert.match(status.stdout, new RegExp(`There are ${recordCount} committed SAMPLES \\(0 pending`));
    return status.stdout;
  }

  for (const name of Object.keys(tasks) as TaskName[]) {
    const routes = routesOf(name);
    it(`${name} (${tasks[name].endpoint}) in batch mode with line errors and 429s: every record gets one result, no custom_id pushed twice`, async () => {
      // Anthropic's 5xx (and 529) answers are retried like OpenAI's 429s.
      const serverErrors = name === 'claude' ? ['--server_error_rate', '0.02'] : [];
      sim = await SimChild.start(path.join(workDir, 'sim'), ['--batch_seconds', '0.3', '--line_error_rate', '0.05', '--rate_limit_rate', '0.03', '--rate_limit_retry_after', '0', ...serverErrors]);
      const args = taskArgs(name, ['--max_batch_requests', '25', '--min_batch_requests', '10', '--max_unpushed_batches', '2', '--max_remote_batches', '1', '--remote_update_interval', '1']);
      // Each run is signalled after it pushed or finished processing 1–2 batches (batch creations and file deletions).
      const progress = async () => {
        const counts = (await sim?.stats())?.routes ?? {};
        return (counts[routes.create] ?? 0) + (counts[routes.cleanUp] ?? 0);
      };
      const report = await interruptUntilComplete(args, { signals: [...signals], progress, stepOf: (run) => 1 + (run % 2) });
      assert.ok(report.interrupts >= signals.length - 1, `only ${report.interrupts} of the signals landed mid-run\n${describeRuns(report.runs)}`);

      const succeeded = assertOutputsComplete(workDir, name);
      assert.ok(succeeded > recordCount * 0.9, `only ${succeeded} records succeeded`);
      const stats = await sim.stats();
      const pushedTwice = Object.entries(stats.batchCustomIds).filter(([, count]) => count > 1);
      assert.deepEqual(pushedTwice, [], 'custom_ids that arrived in more than one batch');
      assert.ok(Object.keys(stats.batchCustomIds).length > recordCount, 'no request was retried: the line errors did not happen');
      assert.ok((stats.statusCodes['429'] ?? 0) > 0, 'no API call was answered 429');
      // Only the small tail of retries (fewer than min_batch_requests) may go direct.
      assert.ok((stats.routes[routes.create] ?? 0) >= recordCount / 25, 'the records did not go through batches');
      const status = await assertStatusComplete(args);
      if (name === 'claude') assert.equal(stats.routes['POST /v1/batches'] ?? 0, 0, "the Anthropic task used OpenAI's Batch API");
      const prices = modelBatchPrices[name];
      if (prices !== undefined) assertModelBatchPrices(status, prices);
    });

    it(`${name} (${tasks[name].endpoint}) in direct mode with 429s: an interrupt re-sends at most the requests in flight at a kill -9`, async () => {
      sim = await SimChild.start(path.join(workDir, 'sim'), ['--rate_limit_rate', '0.03', '--rate_limit_retry_after', '0', '--chat_latency_ms', '40']);
      const args = taskArgs(name, ['--force_direct', '--max_direct_requests', '50', '--max_batch_requests', '100', '--remote_update_interval', '1', '--direct_concurrency', String(directConcurrency)]);
      const answeredTotal = async () => Object.values((await sim?.stats())?.directRequestIdsAnswered ?? {}).reduce((sum, n) => sum + n, 0);
      const report: InterruptLoopReport = await interruptUntilComplete(args, { signals: [...signals], progress: answeredTotal, stepOf: (run) => 15 + ((run * 37) % 31) });
      assert.ok(report.interrupts >= signals.length - 1, `only ${report.interrupts} of the signals landed mid-run\n${describeRuns(report.runs)}`);

      const succeeded = assertOutputsComplete(workDir, name);
      assert.ok(succeeded > recordCount * 0.9, `only ${succeeded} records succeeded`);
      const stats = await sim.stats();
      // A Ctrl+C lets the requests in flight finish and saves them; a kill -9 loses at most the answers in flight.
      const kills = report.runs.filter((run) => run.signal === 'SIGKILL').length;
      const answered = Object.entries(stats.directRequestIdsAnswered);
      const repeats = answered.reduce((sum, [, count]) => sum + count - 1, 0);
      assert.ok(repeats <= kills * directConcurrency, `${repeats} answers were paid twice with ${kills} kills\n${describeRuns(report.runs)}`);
      assert.ok(answered.length >= recordCount, `only ${answered.length} distinct requests were answered`);
      assert.ok((stats.statusCodes['429'] ?? 0) > 0, 'no API call was answered 429');
      assert.equal(stats.routes[routes.create] ?? 0, 0, 'direct mode created batches');
      assert.ok((stats.routes[routes.direct] ?? 0) >= recordCount, `the requests did not go to ${routes.direct}`);
      await assertStatusComplete(args);
    });
  }
});
