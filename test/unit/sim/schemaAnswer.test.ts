import assert from 'node:assert/strict';
import { z } from 'zod';
import { generateFromSchema } from '../../../src/sim/schemaAnswer';

function assertValid(schema: z.ZodType, jsonSchema: unknown, seeds = 20): void {
  for (let seed = 0; seed < seeds; seed += 1) {
    const value = generateFromSchema(jsonSchema, `seed-${seed}`);
    const result = schema.safeParse(value);
    assert.ok(result.success, `seed ${seed}: ${JSON.stringify(value)} → ${JSON.stringify(result.error?.issues)}`);
  }
}

describe('schema-driven answers', () => {
  it('fill strict objects with every required property and nothing else', () => {
    const schema = z.strictObject({ name: z.string(), age: z.number().int().min(0).max(130), active: z.boolean(), ratio: z.number() });
    assertValid(schema, z.toJSONSchema(schema));
  });

  it('respect enums, nullable type arrays, arrays with items and nested objects', () => {
    const schema = z.strictObject({
      kind: z.enum(['alpha', 'beta', 'gamma']),
      note: z.string().nullable(),
      tags: z.array(z.string()).min(1).max(4),
      owner: z.strictObject({ email: z.email(), since: z.iso.datetime() }),
    });
    assertValid(schema, z.toJSONSchema(schema));
  });

  it('resolve $defs references, including recursive ones, and anyOf', () => {
    const schema = {
      type: 'object',
      properties: {
        root: { $ref: '#/$defs/Node' },
        choice: { anyOf: [{ type: 'integer', minimum: 5, maximum: 9 }, { type: 'string', enum: ['x'] }] },
      },
      required: ['root', 'choice'],
      additionalProperties: false,
      $defs: {
        Node: {
          type: 'object',
          properties: { label: { type: 'string' }, child: { anyOf: [{ $ref: '#/$defs/Node' }, { type: 'null' }] } },
          required: ['label', 'child'],
          additionalProperties: false,
        },
      },
    };
    assertValid(z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]), schema);
  });

  it('give the same value for the same seed and different values for other seeds', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } }, required: ['a', 'b'] };
    assert.deepEqual(generateFromSchema(schema, 's'), generateFromSchema(schema, 's'));
    const distinct = new Set(Array.from({ length: 10 }, (_, i) => JSON.stringify(generateFromSchema(schema, `s${i}`))));
    assert.ok(distinct.size > 1);
  });

  it('reject a reference it cannot resolve, naming it', () => {
    assert.throws(() => generateFromSchema({ $ref: '#/$defs/Missing' }, 's'), /#\/\$defs\/Missing/);
  });
});
