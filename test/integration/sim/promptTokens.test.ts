import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { UtteranceEmotionTask } from '../../../src/demos/utteranceEmotion/utteranceEmotionTask';
import { useTempDir } from '../../support/store/tempDir';
import { utteranceMeta } from '../../support/taskManager/demoTasks';
import { startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { taskFromFile } from '../../support/taskManager/taskFileHost';

const countryFacts = {
  input: 'countries.jsonl',
  key: 'id',
  messages: [{ role: 'user', content: 'Capital of {{name}}?' }],
  response_schema: {
    type: 'object',
    properties: { capital: { type: 'string' }, population: { type: 'integer' }, continent: { type: 'string', enum: ['Africa', 'Americas', 'Asia', 'Europe', 'Oceania'] } },
    required: ['capital', 'population', 'continent'],
    additionalProperties: false,
  },
  response_schema_name: 'CountryFacts',
  request: { model: 'gpt-4o-mini', max_completion_tokens: 40 },
};

const mismatch = /input token prediction mismatch in excess of a factor/;

/** A fetch that lets the simulator answer chat completions, then reports `factor` times its prompt tokens. */
function inflatingPromptTokens(factor: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.endsWith('/chat/completions') || !response.ok) return response;
    const body = (await response.json()) as { usage: { prompt_tokens: number; total_tokens: number } };
    const extra = Math.round(body.usage.prompt_tokens * (factor - 1));
    body.usage.prompt_tokens += extra;
    body.usage.total_tokens += extra;
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers });
  };
}

describe('simulator prompt tokens against the estimator', function () {
  this.timeout(120_000);
  const tmp = useTempDir('sim-prompt-tokens');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('a batch of short requests with a response schema has no input token mismatch warning', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'countries.jsonl'), '{"id":"fr","name":"France"}\n{"id":"jp","name":"Japan"}\n');
    const task = await taskFromFile(h, tmp.dir, { facts: countryFacts }, 'facts');
    assert.equal(await task.run(), true);
    assert.match(h.logger.text(), /[Bb]atch 1 received 2\/2 responses/);
    assert.doesNotMatch(h.logger.text(), mismatch);
  });

  it('a server that counts many more prompt tokens than predicted still gets the warning', async () => {
    const init = h.init(tmp.dir, { prefix: 'utterance_emotion', initMeta: utteranceMeta, requester: { force_direct: true }, fetch: inflatingPromptTokens(2) });
    assert.equal(await new UtteranceEmotionTask(init).run(), true);
    assert.match(h.logger.text(), mismatch);
  });
});
