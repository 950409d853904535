import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/shared/errors';
import type { JsonSchema } from '../../../src/engine/schema/jsonSchema';
import { validateJson } from '../../../src/engine/schema/validate';

const answer: JsonSchema = {
  type: 'object',
  properties: {
    character: { type: 'string' },
    sample_sentence: { type: 'string' },
    count: { type: 'integer', minimum: 0, maximum: 10 },
    kind: { type: 'string', enum: ['letter', 'symbol'] },
  },
  required: ['character', 'sample_sentence', 'count', 'kind'],
  additionalProperties: false,
};

const valid = { character: 'A', sample_sentence: 'A is for Apple.', count: 2, kind: 'letter' };

describe('validateJson', () => {
  it('accepts a value that matches', () => {
    assert.deepEqual(validateJson(answer, valid), []);
  });

  it('reports each violation with the JSON path of the value', () => {
    const errors = validateJson(answer, { character: 'A', sample_sentence: 3, count: 2.5, kind: 'digit', extra: 1 });
    assert.deepEqual(errors, [
      '$.sample_sentence: expected string, got number',
      '$.count: expected integer, got number',
      '$.kind: expected one of "letter", "symbol", got "digit"',
      '$.extra: unexpected property',
    ]);
  });

  it('reports missing required properties and a wrong root type', () => {
    assert.deepEqual(validateJson(answer, { character: 'A', count: 1, kind: 'letter' }), [
      '$.sample_sentence: missing required property',
    ]);
    assert.deepEqual(validateJson(answer, ['A']), ['$: expected object, got array']);
    assert.deepEqual(validateJson(answer, null), ['$: expected object, got null']);
  });

  it('never coerces between strings, numbers and booleans', () => {
    const schema: JsonSchema = { type: 'object', properties: { n: { type: 'number' }, b: { type: 'boolean' } } };
    assert.deepEqual(validateJson(schema, { n: '1', b: 'true' }), [
      '$.n: expected number, got string',
      '$.b: expected boolean, got string',
    ]);
    assert.deepEqual(validateJson(schema, { n: 1.5, b: false }), []);
  });

  it('checks numeric bounds, array sizes and items with indexed paths', () => {
    const schema: JsonSchema = {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: { type: 'number', exclusiveMinimum: 0, multipleOf: 0.1 },
    };
    assert.deepEqual(validateJson(schema, [0.3, 0.7]), []);
    assert.deepEqual(validateJson(schema, [0.3, 0, 0.25]), [
      '$[1]: expected more than 0, got 0',
      '$[2]: expected a multiple of 0.1, got 0.25',
    ]);
    assert.deepEqual(validateJson(schema, []), ['$: expected at least 1 items, got 0']);
    assert.deepEqual(validateJson(schema, [1, 2, 3, 4]), ['$: expected at most 3 items, got 4']);
    assert.deepEqual(validateJson({ type: 'integer', minimum: 1, maximum: 9 }, 10), ['$: expected at most 9, got 10']);
  });

  it('resolves local $defs references, including recursive ones', () => {
    const tree: JsonSchema = {
      type: 'object',
      $defs: {
        Node: {
          type: 'object',
          properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } } },
          required: ['name', 'children'],
          additionalProperties: false,
        },
      },
      properties: { root: { $ref: '#/$defs/Node' } },
      required: ['root'],
      additionalProperties: false,
    };
    const good = { root: { name: 'a', children: [{ name: 'b', children: [] }] } };
    assert.deepEqual(validateJson(tree, good), []);
    const bad = { root: { name: 'a', children: [{ name: 7, children: [] }] } };
    assert.deepEqual(validateJson(tree, bad), ['$.root.children[0].name: expected string, got number']);
  });

  it('accepts anyOf when one alternative matches and explains when none does', () => {
    const schema: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] };
    assert.deepEqual(validateJson(schema, 'x'), []);
    assert.deepEqual(validateJson(schema, 4), []);
    assert.deepEqual(validateJson(schema, -1), [
      '$: matches no anyOf alternative (#0: $: expected string, got number; #1: $: expected at least 0, got -1)',
    ]);
  });

  it('allows null through type arrays and nullable, and checks const', () => {
    assert.deepEqual(validateJson({ type: ['string', 'null'] }, null), []);
    assert.deepEqual(validateJson({ type: ['string', 'null'] }, 1), ['$: expected string or null, got number']);
    assert.deepEqual(validateJson({ type: 'string', nullable: true }, null), []);
    assert.deepEqual(validateJson({ type: 'string' }, null), ['$: expected string, got null']);
    assert.deepEqual(validateJson({ const: 'yes' }, 'no'), ['$: expected "yes", got "no"']);
    assert.deepEqual(validateJson({ enum: [{ a: 1 }, [1, 2]] }, { a: 1 }), []);
  });

  it('checks patterns and formats of strings', () => {
    assert.deepEqual(validateJson({ type: 'string', pattern: '^[A-Z]{2}$' }, 'NL'), []);
    assert.deepEqual(validateJson({ type: 'string', pattern: '^[A-Z]{2}$' }, 'nl'), [
      '$: expected a string matching /^[A-Z]{2}$/, got "nl"',
    ]);
    assert.deepEqual(validateJson({ type: 'string', format: 'date-time' }, '2024-07-18T10:00:00Z'), []);
    assert.deepEqual(validateJson({ type: 'string', format: 'date' }, '2024-13-01'), [
      '$: expected a date string, got "2024-13-01"',
    ]);
    assert.deepEqual(validateJson({ type: 'string', format: 'uuid' }, '123e4567-e89b-12d3-a456-426614174000'), []);
    assert.equal(validateJson({ type: 'string', format: 'ipv6' }, '::1').length, 0);
    assert.equal(validateJson({ type: 'string', format: 'email' }, 'no-at-sign').length, 1);
    assert.equal(validateJson({ type: 'string', format: 'duration' }, 'P1DT2H30M').length, 0);
    assert.equal(validateJson({ type: 'string', format: 'duration' }, 'PT').length, 1);
  });

  it('quotes property names that are not identifiers', () => {
    const schema: JsonSchema = { type: 'object', properties: { 'a b': { type: 'string' } } };
    assert.deepEqual(validateJson(schema, { 'a b': 1 }), ['$["a b"]: expected string, got number']);
  });

  it('throws InvalidInputError for schemas it cannot check', () => {
    const unsupported = { type: 'string', minLength: 2 } as unknown as JsonSchema;
    assert.throws(() => validateJson(unsupported, 'x'), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /\$\.minLength: unsupported schema keyword "minLength"/);
      return true;
    });
    assert.throws(() => validateJson({ $ref: '#/$defs/Missing' }, 1), InvalidInputError);
    assert.throws(() => validateJson({ $ref: 'https://example.com/s.json' }, 1), InvalidInputError);
    assert.throws(() => validateJson({ type: 'string', format: 'colour' }, 'red'), InvalidInputError);
    assert.throws(() => validateJson({ type: 'string', pattern: '(' }, 'x'), InvalidInputError);
  });

  it('gives the same verdicts for a schema rebuilt with the same content', () => {
    const build = (): JsonSchema => ({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] });
    assert.deepEqual(validateJson(build(), { a: 1 }), ['$.a: expected string, got number']);
    assert.deepEqual(validateJson(build(), { a: 'x' }), []);
  });
});
