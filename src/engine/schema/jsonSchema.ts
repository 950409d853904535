import { InvalidInputError } from '../../shared/errors';

/** Any value JSON can express. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The primitive type names a schema's `type` keyword may use. */
export type JsonSchemaTypeName = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/**
 * A JSON Schema restricted to the keywords OpenAI structured outputs understand (plus the OpenAPI-style `nullable`
 * and common annotations). Declared as a type alias, not an interface, so that it is assignable to the OpenAI
 * client's `{ [key: string]: unknown }` schema field.
 */
export type JsonSchema = {
  readonly type?: JsonSchemaTypeName | readonly JsonSchemaTypeName[];
  readonly title?: string;
  readonly description?: string;
  readonly properties?: { readonly [key: string]: JsonSchema };
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly enum?: readonly JsonValue[];
  readonly const?: JsonValue;
  readonly items?: JsonSchema;
  readonly $defs?: { readonly [key: string]: JsonSchema };
  readonly $ref?: string;
  readonly anyOf?: readonly JsonSchema[];
  readonly nullable?: boolean;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly default?: JsonValue;
  readonly examples?: readonly JsonValue[];
  readonly $comment?: string;
  readonly $schema?: string;
  readonly $id?: string;
};

export const jsonSchemaTypeNames: ReadonlySet<string> = new Set<JsonSchemaTypeName>([
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'null',
]);

/** Keywords that constrain values; validation implements every one of them. */
export const validationKeywords: ReadonlySet<string> = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'enum',
  'const',
  'items',
  '$defs',
  '$ref',
  'anyOf',
  'nullable',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'pattern',
  'format',
]);

/** Keywords that only document a schema; validation ignores them. */
export const annotationKeywords: ReadonlySet<string> = new Set([
  'title',
  'description',
  'default',
  'examples',
  '$comment',
  '$schema',
  '$id',
]);

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends a property name to a `$`-rooted path: `$.name`, or `$["odd key"]` when the name is not an identifier. */
export function propertyPath(path: string, key: string): string {
  return identifier.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Resolves a local reference (`#` or a JSON pointer such as `#/$defs/Name`) against the root schema. Throws
 * InvalidInputError naming `path` when the reference is not local or points nowhere.
 */
export function resolveLocalRef(root: JsonSchema, ref: string, path: string): JsonSchema {
  if (ref !== '#' && !ref.startsWith('#/')) {
    throw new InvalidInputError(`${path}: only local references ("#/$defs/...") are supported, got "${ref}"`);
  }
  let target: unknown = root;
  for (const rawSegment of ref === '#' ? [] : ref.slice(2).split('/')) {
    const segment = decodeURIComponent(rawSegment).replace(/~1/g, '/').replace(/~0/g, '~');
    target = isPlainObject(target) || Array.isArray(target) ? (target as Record<string, unknown>)[segment] : undefined;
    if (target === undefined) break;
  }
  if (!isPlainObject(target)) throw new InvalidInputError(`${path}: reference "${ref}" does not resolve to a schema`);
  return target as JsonSchema;
}

/** The type name a value is reported as in messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A short JSON rendering of a value for messages. */
export function previewJson(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
