import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/shared/errors';
import type { JsonSchema } from '../../../src/engine/schema/jsonSchema';
import { checkStrictSchema, responseFormatFor, toStrictSchema } from '../../../src/engine/schema/strict';
import { validateJson } from '../../../src/engine/schema/validate';

const strict: JsonSchema = {
  type: 'object',
  $defs: { Colour: { type: 'string', enum: ['red', 'green'] } },
  properties: {
    name: { type: 'string' },
    colour: { $ref: '#/$defs/Colour' },
    note: { type: ['string', 'null'] },
    tags: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'], additionalProperties: false },
    },
  },
  required: ['name', 'colour', 'note', 'tags'],
  additionalProperties: false,
};

/** A strict object schema over `properties` that requires the keys in `required`. */
function objectOf(properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

function strictFailure(schema: JsonSchema, pattern: RegExp): void {
  assert.throws(
    () => checkStrictSchema(schema, 'task "demo" response_schema'),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /^task "demo" response_schema: /);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('strict schemas', () => {
  it('accepts a schema OpenAI can use in strict mode', () => {
    assert.doesNotThrow(() => checkStrictSchema(strict, 'here'));
  });

  it('names the path of a missing additionalProperties: false', () => {
    strictFailure(
      objectOf({ inner: { type: 'object', properties: {}, required: [] } }),
      /\$\.properties\.inner\.additionalProperties: must be false/,
    );
  });

  it('names a property missing from required and a required key that is no property', () => {
    strictFailure(
      objectOf({ a: { type: 'string' }, b: { type: 'string' } }, ['a', 'c']),
      /\$\.properties\.b: missing from "required".*\$\.required: names unknown property "c"/,
    );
  });

  it('rejects unsupported keywords, nullable, non-object roots and broken references', () => {
    const withMinLength = { ...strict, properties: { ...strict.properties, name: { type: 'string', minLength: 1 } } };
    strictFailure(withMinLength as JsonSchema, /\$\.properties\.name\.minLength: unsupported keyword "minLength"/);
    strictFailure(
      objectOf({ a: { type: 'string', nullable: true } }),
      /\$\.properties\.a\.nullable: not supported in strict mode/,
    );
    strictFailure({ type: 'array', items: { type: 'string' } }, /\$: the root schema must have "type": "object"/);
    strictFailure(
      objectOf({ a: { $ref: '#/$defs/Nope' } }),
      /reference "#\/\$defs\/Nope" does not resolve/,
    );
    strictFailure(
      objectOf({ a: { type: 'string', format: 'colour' } }),
      /unsupported format "colour"/,
    );
  });

  it('makes a loose schema strict without changing the original', () => {
    const loose: JsonSchema = {
      type: 'object',
      title: 'Loose',
      properties: {
        a: { type: 'string' },
        b: { type: 'integer', nullable: true },
        c: { type: 'object', properties: { d: { type: 'boolean' } } },
        e: { $ref: '#/$defs/E', nullable: true, description: 'an e' },
      },
      $defs: { E: { type: 'object', properties: { f: { type: 'string' } }, additionalProperties: true } },
      required: ['a'],
    };
    const snapshot = structuredClone(loose);
    const made = toStrictSchema(loose);
    assert.deepEqual(loose, snapshot);
    assert.doesNotThrow(() => checkStrictSchema(made, 'made'));
    assert.deepEqual(made.required, ['a', 'b', 'c', 'e']);
    assert.deepEqual(made.properties?.['b'], { type: ['integer', 'null'] });
    assert.deepEqual(made.properties?.['e'], { description: 'an e', anyOf: [{ $ref: '#/$defs/E' }, { type: 'null' }] });
    assert.deepEqual(made.$defs?.['E'], {
      type: 'object',
      properties: { f: { type: 'string' } },
      required: ['f'],
      additionalProperties: false,
    });
    assert.deepEqual(validateJson(made, { a: 'x', b: null, c: { d: true }, e: null }), []);
    assert.deepEqual(validateJson(made, { a: 'x', b: 1, c: { d: true }, e: { f: 'y' } }), []);
    assert.deepEqual(validateJson(made, { a: 'x', b: 1, c: {}, e: null }), ['$.c.d: missing required property']);
  });

  it('builds a strict json_schema response format', () => {
    assert.deepEqual(responseFormatFor('Answer', strict), {
      type: 'json_schema',
      json_schema: { name: 'Answer', schema: strict, strict: true },
    });
    assert.deepEqual(responseFormatFor('Answer', strict, 'The answer').json_schema.description, 'The answer');
    assert.throws(() => responseFormatFor('bad name', strict), InvalidInputError);
    assert.throws(() => responseFormatFor('Loose', { type: 'object', properties: {} }), /Response format "Loose"/);
  });
});
