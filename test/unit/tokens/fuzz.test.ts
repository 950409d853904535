import assert from 'node:assert/strict';
import { TokenEstimator, type InputTokensCount } from '../../../src/engine/tokens/estimator';
import { blackPng, dataUrl } from '../../support/tokens/images';

/** A small seeded generator, so that a failure reproduces. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick };
}

type Random = ReturnType<typeof randomSource>;

const words = ['hello', 'world', ' ', '.', '!', 'über', '数字', '\n', 'The', 'end.', '', '  ', 'x'];
const models = ['gpt-4o', 'gpt-4o-mini', 'gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo', 'o1-mini', 'llama3', 'ft:gpt-4o-mini:o::1'];
const smallPng = dataUrl(blackPng(600, 300));

function text(random: Random): string {
  return Array.from({ length: random.int(6) }, () => random.pick(words)).join('');
}

function part(random: Random): unknown {
  switch (random.int(5)) {
    case 0:
      return { type: 'image_url', image_url: { url: smallPng, detail: random.pick(['low', 'high', 'auto', 'odd']) } };
    case 1:
      return { type: random.pick(['input_audio', 'file', 'refusal']) };
    case 2:
      return random.pick([null, 42, { type: 'image_url' }, { type: 'text' }]);
    default:
      return { type: 'text', text: text(random) };
  }
}

function schema(random: Random, depth: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (let i = random.int(4); i > 0; i -= 1) {
    const type = random.pick(['string', 'integer', 'object', 'array', undefined, ['string', 'null']]);
    const spec: Record<string, unknown> = { type };
    if (random.next() < 0.7) spec.title = text(random);
    if (random.next() < 0.5) spec.description = text(random);
    if (type === 'string' && random.next() < 0.4) spec.enum = [text(random), text(random)];
    if (type === 'object' && depth < 3 && random.next() < 0.8) spec.properties = schema(random, depth + 1).properties;
    if (type === 'array' && random.next() < 0.8) spec.items = random.next() < 0.5 ? { type: 'string' } : schema(random, depth + 1);
    properties[text(random) || `p${i}`] = spec;
  }
  return { type: 'object', title: random.next() < 0.5 ? text(random) : undefined, properties };
}

function payload(random: Random): Record<string, unknown> {
  const messages = Array.from({ length: random.int(5) }, () => {
    const message: Record<string, unknown> = { role: random.pick(['system', 'user', 'assistant', 'tool', 'function', 'developer', 7]) };
    message.content = random.next() < 0.5 ? text(random) : random.next() < 0.8 ? Array.from({ length: random.int(5) }, () => part(random)) : null;
    if (random.next() < 0.4) message.name = text(random);
    if (random.next() < 0.2) message.tool_call_id = text(random);
    return message;
  });
  const body: Record<string, unknown> = { model: random.pick(models), messages };
  if (random.next() < 0.4) {
    body.tools = Array.from({ length: random.int(3) }, () => ({
      type: random.next() < 0.9 ? 'function' : 'custom',
      function: { name: text(random), description: random.next() < 0.7 ? text(random) : undefined, parameters: schema(random, 0) },
    }));
    body.tool_choice = random.pick([undefined, 'none', 'auto', 'required', { type: 'function', function: { name: 'x' } }]);
  }
  if (random.next() < 0.3) body.response_format = { type: 'json_schema', json_schema: { name: text(random), schema: schema(random, 0) } };
  if (random.next() < 0.1) body.functions = [{ name: text(random), parameters: schema(random, 0) }];
  return body;
}

describe('token estimator: random payloads', () => {
  it('both invariants hold and no field is negative for 2000 random payloads', () => {
    const random = randomSource(20240601);
    const estimator = new TokenEstimator({ warn: 'never' });
    for (let i = 0; i < 2000; i += 1) {
      const body = payload(random);
      const count: InputTokensCount = estimator.estimateInput(body, '/v1/chat/completions');
      const context = JSON.stringify(body).slice(0, 2000);
      assert.equal(count.total, count.fixed + count.msg_total + count.format + count.tools + count.functions, context);
      assert.equal(count.meta + count.text + count.image + count.format + count.tools + count.functions + count.extra, count.total, context);
      for (const [field, value] of Object.entries(count)) assert.ok(Number.isInteger(value) && value >= 0, `${field} = ${value} in ${context}`);
    }
  });
});
