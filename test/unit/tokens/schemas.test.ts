import assert from 'node:assert/strict';
import { MemoryLogger } from '../../../src/engine/log';
import { TokenEstimator } from '../../../src/engine/tokens/estimator';

const chat = '/v1/chat/completions';
const hello = [{ role: 'user', content: 'Hello' }];

const getWeather = {
  name: 'get_weather',
  description: 'Get the current weather.',
  parameters: {
    type: 'object',
    title: 'GetWeather',
    properties: {
      location: { type: 'string', title: 'Location', description: 'City and country.' },
      unit: { type: 'string', title: 'Unit', enum: ['celsius', 'fahrenheit'] },
    },
  },
};

function estimate(payload: Record<string, unknown>, logger = new MemoryLogger()) {
  return new TokenEstimator({ logger, warn: 'always' }).estimateInput(payload, chat);
}

function jsonSchemaFormat(name: string, schema: Record<string, unknown>) {
  return { type: 'json_schema', json_schema: { name, strict: true, schema } };
}

describe('token estimator: tools and functions', () => {
  const expected: [string, number, number][] = [
    ['gpt-4o', 61, 69],
    ['gpt-4', 63, 71],
    ['gpt-4-turbo', 63, 71],
    ['gpt-3.5-turbo', 63, 71],
  ];
  for (const [model, tools, total] of expected) {
    it(`get_weather as a tool on ${model}: ${tools} tool tokens, ${total} in all`, () => {
      const count = estimate({ model, messages: hello, tools: [{ type: 'function', function: getWeather }] });
      assert.equal(count.tools, tools);
      assert.equal(count.total, total);
    });
  }

  it('tool_choice "none" costs one more token', () => {
    const count = estimate({ model: 'gpt-4o', messages: hello, tools: [{ type: 'function', function: getWeather }], tool_choice: 'none' });
    assert.equal(count.tools, 62);
  });

  it('a forced function choice counts like auto', () => {
    const tools = [{ type: 'function', function: getWeather }];
    const count = estimate({ model: 'gpt-4o', messages: hello, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    assert.equal(count.tools, 61);
  });

  it('the same definition as legacy functions counts 61 under functions', () => {
    const count = estimate({ model: 'gpt-4o', messages: hello, functions: [getWeather] });
    assert.equal(count.functions, 61);
    assert.equal(count.tools, 0);
    assert.equal(count.total, 69);
  });

  it('tools on a model without tool constants warn and use the defaults', () => {
    const logger = new MemoryLogger();
    const count = estimate({ model: 'o1-mini', messages: hello, tools: [{ type: 'function', function: getWeather }] }, logger);
    assert.equal(count.tools, 61);
    assert.match(logger.text(), /'o1-mini' is not known to support tools/);
  });

  it('non-function tools warn and count 0', () => {
    const logger = new MemoryLogger();
    const count = estimate({ model: 'gpt-4o', messages: hello, tools: [{ type: 'custom', custom: { name: 'x' } }] }, logger);
    assert.equal(count.tools, 0);
    assert.match(logger.text(), /type 'custom'/);
  });
});

describe('token estimator: response formats', () => {
  it('the Answer schema costs 37 on gpt-4o-mini', () => {
    const schema = {
      type: 'object',
      title: 'Answer',
      properties: { value: { type: 'integer', title: 'Value', description: 'The answer.' } },
      required: ['value'],
      additionalProperties: false,
    };
    assert.equal(estimate({ model: 'gpt-4o-mini', messages: hello, response_format: jsonSchemaFormat('Answer', schema) }).format, 37);
  });

  it('the Info schema (arrays, nested objects, descriptions) costs 77 on gpt-4o', () => {
    const schema = {
      type: 'object',
      title: 'Info',
      properties: {
        tags: { type: 'array', title: 'Tags', description: 'Some tags', items: { type: 'string' } },
        owner: { type: 'object', title: 'Owner', description: 'The owner', properties: { name: { type: 'string', title: 'Name' } } },
        people: {
          type: 'array',
          title: 'People',
          items: { type: 'object', description: 'A person', properties: { age: { type: 'integer', title: 'Age' } } },
        },
      },
    };
    assert.equal(estimate({ model: 'gpt-4o', messages: hello, response_format: jsonSchemaFormat('Info', schema) }).format, 77);
  });

  it('text and json_object formats cost 0 without warnings; unknown types cost 0 with a warning', () => {
    const logger = new MemoryLogger();
    assert.equal(estimate({ model: 'gpt-4o', messages: hello, response_format: { type: 'text' } }, logger).format, 0);
    assert.equal(estimate({ model: 'gpt-4o', messages: hello, response_format: { type: 'json_object' } }, logger).format, 0);
    assert.deepEqual(logger.records, []);
    assert.equal(estimate({ model: 'gpt-4o', messages: hello, response_format: { type: 'grammar' } }, logger).format, 0);
    assert.match(logger.text(), /'grammar'/);
  });

  it('json_schema on a model without json_schema support warns but still counts', () => {
    const logger = new MemoryLogger();
    const schema = { type: 'object', properties: { a: { type: 'string', title: 'A' } } };
    assert.ok(estimate({ model: 'gpt-4', messages: hello, response_format: jsonSchemaFormat('X', schema) }, logger).format > 0);
    assert.match(logger.text(), /json_schema/);
  });
});

describe('token estimator: schema properties that upstream cannot count', () => {
  function formatTokens(properties: Record<string, unknown>, logger: MemoryLogger): number {
    const schema = { type: 'object', properties };
    return estimate({ model: 'gpt-4o', messages: hello, response_format: jsonSchemaFormat('X', schema) }, logger).format;
  }

  const base = { a: { type: 'string', title: 'A' } };

  const skipped: [string, Record<string, unknown>, RegExp][] = [
    ['a property without a type ($ref)', { $ref: '#/$defs/Thing' }, /has no "type"/],
    ['an anyOf property', { anyOf: [{ type: 'string' }, { type: 'null' }], title: 'B' }, /has no "type"/],
    ['a property with a list of types', { type: ['string', 'null'], title: 'B' }, /list of types/],
    ['an array without items', { type: 'array', title: 'B' }, /without "items"/],
    ['an object without properties', { type: 'object', title: 'B' }, /without "properties"/],
    ['an array whose items have no type', { type: 'array', title: 'B', items: { description: 'x' } }, /items have no "type"/],
    ['an array of objects without properties', { type: 'array', title: 'B', items: { type: 'object' } }, /objects without "properties"/],
  ];
  for (const [what, spec, warning] of skipped) {
    it(`${what} is skipped with a warning, never thrown`, () => {
      const logger = new MemoryLogger();
      const withSkipped = formatTokens({ ...base, b: spec }, logger);
      assert.equal(withSkipped, formatTokens(base, new MemoryLogger()));
      assert.match(logger.text(), warning);
    });
  }

  it('a property without a title counts no title tokens and warns once', () => {
    const logger = new MemoryLogger();
    const estimator = new TokenEstimator({ logger });
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } } };
    const titled = { type: 'object', properties: { a: { type: 'string', title: 'A' }, b: { type: 'integer', title: 'B' } } };
    const payload = (s: Record<string, unknown>) => ({ model: 'gpt-4o', messages: hello, response_format: jsonSchemaFormat('X', s) });
    const untitledTokens = estimator.estimateInput(payload(schema), chat).format;
    estimator.estimateInput(payload(schema), chat);
    const titledTokens = estimator.estimateInput(payload(titled), chat).format;
    // Each title costs prop_title_init (3) plus its own token.
    assert.equal(titledTokens - untitledTokens, 2 * (3 + 1));
    assert.equal(logger.records.filter((r) => /title/.test(r.message)).length, 1);
  });

  it('$defs are counted as a property map', () => {
    const plain = { type: 'object', properties: { a: { type: 'string', title: 'A' } } };
    const withDefs = { ...plain, $defs: { Thing: { type: 'string', title: 'Thing' } } };
    const count = (schema: Record<string, unknown>) =>
      estimate({ model: 'gpt-4o', messages: hello, response_format: jsonSchemaFormat('X', schema) }).format;
    // Thing: key init 2 + "Thing" 1 + title init 3 + "Thing" 1 + "string" 1.
    assert.equal(count(withDefs) - count(plain), 8);
  });
});
