import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../src/shared/errors';
import { useTempDir } from '../../support/store/tempDir';
import { readJsonlLines, rewritingFetch, startTaskHarness, type TaskHarness } from '../../support/taskManager/harness';
import { taskFromFile } from '../../support/taskManager/taskFileHost';

const schema = {
  type: 'object',
  properties: { capital: { type: 'string' }, population: { type: 'integer' } },
  required: ['capital', 'population'],
  additionalProperties: false,
};

function template(input: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    input,
    key: 'id',
    messages: [
      { role: 'system', content: 'Answer with facts about the country.' },
      { role: 'user', content: 'Country: {{name}} ({{id}})' },
    ],
    response_schema: schema,
    response_schema_name: 'CountryFacts',
    request: { model: 'gpt-4o-mini', max_completion_tokens: 80 },
    force_direct: true,
    ...extra,
  };
}

const countries = [
  { id: 'fr', name: 'France' },
  { id: 'jp', name: 'Japan' },
  { id: 'br', name: 'Brazil, "the big one"' },
];

describe('Template tasks (against the simulator)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('template-task');
  let h: TaskHarness;
  beforeEach(async () => {
    h = await startTaskHarness();
  });
  afterEach(async () => {
    await h.close();
  });
  const outputOf = (name: string, suffix = '') => path.join(tmp.dir, '.gpt-batch', name, `${name}_output${suffix}.jsonl`);

  const inputs: [string, string, () => string][] = [
    ['JSONL', 'countries.jsonl', () => countries.map((c) => JSON.stringify(c)).join('\n') + '\n'],
    ['a JSON array', 'countries.json', () => JSON.stringify(countries)],
    ['CSV', 'countries.csv', () => `id,name\r\n${countries.map((c) => `${c.id},"${c.name.replace(/"/g, '""')}"`).join('\r\n')}\r\n`],
  ];
  for (const [label, file, text] of inputs) {
    it(`runs records from ${label} to completion with structured outputs`, async () => {
      fs.writeFileSync(path.join(tmp.dir, file), text());
      const task = await taskFromFile(h, tmp.dir, { facts: template(file) }, 'facts');
      assert.equal(await task.run(), true);
      const lines = readJsonlLines<{ key: string; output: { capital: unknown; population: unknown }; model: string }>(outputOf('facts'));
      assert.deepEqual(lines.map((l) => l.key).sort(), ['br', 'fr', 'jp']);
      for (const line of lines) {
        assert.equal(typeof line.output.capital, 'string');
        assert.ok(Number.isInteger(line.output.population));
        assert.equal(line.model, 'gpt-4o-mini');
      }
      assert.equal(fs.readFileSync(outputOf('facts', '_failed'), 'utf8'), '');
    });
  }

  it('sends the filled messages and records a record that keeps failing in the failures file', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'countries.json'), JSON.stringify(countries));
    const seen: string[] = [];
    const fetch = rewritingFetch((userText, message) => {
      seen.push(userText);
      return userText.includes('(jp)') ? { ...message, content: '{"capital": 1}' } : undefined;
    });
    const task = await taskFromFile(h, tmp.dir, { facts: template('countries.json', { max_retries: 1 }) }, 'facts', { fetch });
    assert.equal(await task.run(), true);
    assert.ok(seen.includes('Country: Brazil, "the big one" (br)'));
    assert.deepEqual(readJsonlLines<{ key: string }>(outputOf('facts')).map((l) => l.key).sort(), ['br', 'fr']);
    const failures = readJsonlLines<{ key: string; error: string }>(outputOf('facts', '_failed'));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.key, 'jp');
    assert.match(failures[0]?.error ?? '', /AutoParse/);
    assert.equal(seen.filter((t) => t.includes('(jp)')).length, 2);
  });

  it('rejects input records that repeat a key, naming the record', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'countries.jsonl'), ['{"id":"fr","name":"France"}', '{"id":"fr","name":"Again"}'].join('\n'));
    const task = await taskFromFile(h, tmp.dir, { facts: template('countries.jsonl') }, 'facts');
    await assert.rejects(task.run(), (error: unknown) => EngineError.is(error, 'invalidInput') && /countries\.jsonl: line 2 repeats key 'fr' of line 1/.test(error.message));
  });

  it('rejects a record without a field a message uses, naming the record and the field', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'countries.json'), JSON.stringify([{ id: 'fr', name: 'France' }, { id: 'jp' }]));
    const task = await taskFromFile(h, tmp.dir, { facts: template('countries.json') }, 'facts');
    await assert.rejects(task.run(), (error: unknown) => EngineError.is(error, 'invalidInput') && /countries\.json: record 2 has no field 'name'/.test(error.message));
    assert.equal(h.sim.stats().chatCompletionCalls, 0);
  });

  it('rejects a response schema that strict mode cannot use, naming the task and the key', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'countries.json'), JSON.stringify(countries));
    const loose = { type: 'object', properties: { capital: { type: 'string' } } };
    await assert.rejects(
      taskFromFile(h, tmp.dir, { facts: template('countries.json', { response_schema: loose }) }, 'facts'),
      (error: unknown) => EngineError.is(error, 'invalidInput') && error.message.includes("task 'facts', key 'response_schema'"),
    );
  });

  it('writes plain text answers without a response schema', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'countries.json'), JSON.stringify(countries));
    const { response_schema: _s, response_schema_name: _n, ...plain } = template('countries.json');
    const task = await taskFromFile(h, tmp.dir, { facts: plain }, 'facts');
    assert.equal(await task.run(), true);
    const lines = readJsonlLines<{ key: string; output: unknown }>(outputOf('facts'));
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => typeof l.output === 'string' && l.output.length > 0));
  });

  it('sends a Responses template as input items with a strict text.format and writes the parsed outputs', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'countries.json'), JSON.stringify(countries));
    const spec = template('countries.json', { endpoint: '/v1/responses', request: { model: 'gpt-4o-mini', max_output_tokens: 80 } });
    const task = await taskFromFile(h, tmp.dir, { facts: spec }, 'facts');
    assert.equal(await task.run(), true);
    const lines = readJsonlLines<{ key: string; output: { capital: unknown; population: unknown } }>(outputOf('facts'));
    assert.deepEqual(lines.map((l) => l.key).sort(), ['br', 'fr', 'jp']);
    assert.ok(lines.every((l) => typeof l.output.capital === 'string' && Number.isInteger(l.output.population)));
    assert.equal(h.sim.stats().routes['POST /v1/responses'], 3);
  });

  for (const [label, extra, message] of [
    ['an embeddings template without embed', { endpoint: '/v1/embeddings', response_schema: undefined }, /task 'facts': key 'embed' \(the text to embed per record\) is required with endpoint \/v1\/embeddings/],
    ['embed on the chat endpoint', { embed: '{{name}}' }, /task 'facts': key 'embed' needs the endpoint \/v1\/embeddings, not \/v1\/chat\/completions/],
    ['request.input on the Responses endpoint', { endpoint: '/v1/responses', request: { model: 'gpt-4o-mini', input: 'x' } }, /task 'facts': request\.input cannot be set \(the template defines it\)/],
  ] as const) {
    it(`rejects ${label}, naming the task and the key`, async () => {
      fs.writeFileSync(path.join(tmp.dir, 'countries.json'), JSON.stringify(countries));
      await assert.rejects(taskFromFile(h, tmp.dir, { facts: template('countries.json', extra) }, 'facts'), (error: unknown) => EngineError.is(error, 'invalidInput') && message.test(error.message));
    });
  }
});
