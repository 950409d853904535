import { EngineError, InvalidInputError } from '../../shared/errors';
import { annotationKeywords, isPlainObject, propertyPath, resolveLocalRef, validationKeywords } from './jsonSchema';
import type { JsonSchema, JsonSchemaTypeName } from './jsonSchema';
import { assertSchemaCompiles } from './validate';

/** The `response_format` of a chat completion request that asks for strict structured output. */
export interface JsonSchemaResponseFormat {
  readonly type: 'json_schema';
  readonly json_schema: {
    readonly name: string;
    readonly description?: string;
    readonly schema: JsonSchema;
    readonly strict: true;
  };
}

const responseFormatName = /^[A-Za-z0-9_-]{1,64}$/;
const checkedStrict = new WeakSet<JsonSchema>();

/**
 * Throws InvalidInputError, naming `where` and the JSON path of every problem, when OpenAI would reject `schema` in
 * strict mode: the root is not an object, an object lacks `additionalProperties: false`, a property is missing from
 * `required`, `required` names an unknown property, `nullable` is used (strict mode wants a type array), or a
 * keyword, format, pattern or reference is unsupported.
 */
export function checkStrictSchema(schema: JsonSchema, where: string): void {
  if (checkedStrict.has(schema)) return;
  const problems: string[] = [];
  if (!isPlainObject(schema) || schema.type !== 'object') {
    problems.push('$: the root schema must have "type": "object"');
  } else if (schema.anyOf !== undefined) {
    problems.push('$.anyOf: the root schema must not be an anyOf');
  }
  if (isPlainObject(schema)) collectStrictProblems(schema, schema, '$', problems);
  if (problems.length > 0) {
    const shown = problems.slice(0, 8).join('; ') + (problems.length > 8 ? `; and ${problems.length - 8} more` : '');
    throw new InvalidInputError(`${where}: the schema cannot be used in strict mode: ${shown}`);
  }
  try {
    assertSchemaCompiles(schema);
  } catch (error) {
    if (!EngineError.is(error, 'invalidInput')) throw error;
    throw new InvalidInputError(`${where}: ${error.message}`, { cause: error });
  }
  checkedStrict.add(schema);
}

function collectStrictProblems(root: JsonSchema, schema: JsonSchema, at: string, problems: string[]): void {
  if (!isPlainObject(schema)) {
    problems.push(`${at}: a schema must be an object`);
    return;
  }
  for (const keyword of Object.keys(schema)) {
    if (keyword === 'nullable') {
      const hint = 'use a type array such as ["string", "null"]';
      problems.push(`${propertyPath(at, keyword)}: not supported in strict mode, ${hint}`);
    } else if (!validationKeywords.has(keyword) && !annotationKeywords.has(keyword)) {
      problems.push(`${propertyPath(at, keyword)}: unsupported keyword "${keyword}"`);
    }
  }
  if (schema.$ref !== undefined) {
    try {
      resolveLocalRef(root, schema.$ref, propertyPath(at, '$ref'));
    } catch (error) {
      if (!EngineError.is(error, 'invalidInput')) throw error;
      problems.push(error.message);
    }
  }
  if (isObjectSchema(schema)) {
    const keys = Object.keys(schema.properties ?? {});
    const required = new Set(schema.required ?? []);
    if (schema.additionalProperties !== false) {
      problems.push(`${propertyPath(at, 'additionalProperties')}: must be false`);
    }
    const propertiesAt = propertyPath(at, 'properties');
    for (const key of keys) {
      if (!required.has(key)) problems.push(`${propertyPath(propertiesAt, key)}: missing from "required"`);
    }
    for (const key of required) {
      if (!keys.includes(key)) problems.push(`${propertyPath(at, 'required')}: names unknown property "${key}"`);
    }
  }
  for (const [child, childAt] of childSchemas(schema, at)) collectStrictProblems(root, child, childAt, problems);
}

function isObjectSchema(schema: JsonSchema): boolean {
  const { type } = schema;
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || schema.properties !== undefined;
}

function childSchemas(schema: JsonSchema, at: string): Array<[JsonSchema, string]> {
  const children: Array<[JsonSchema, string]> = [];
  for (const keyword of ['properties', '$defs'] as const) {
    const map = schema[keyword];
    if (map === undefined) continue;
    const mapAt = propertyPath(at, keyword);
    for (const [key, child] of Object.entries(map)) children.push([child, propertyPath(mapAt, key)]);
  }
  if (schema.items !== undefined) children.push([schema.items, propertyPath(at, 'items')]);
  if (isPlainObject(schema.additionalProperties)) {
    children.push([schema.additionalProperties as JsonSchema, propertyPath(at, 'additionalProperties')]);
  }
  if (Array.isArray(schema.anyOf)) schema.anyOf.forEach((child, i) => children.push([child, `${at}.anyOf[${i}]`]));
  return children;
}

/**
 * A copy of `schema` made usable in strict mode: every object gets `additionalProperties: false` (a schema for
 * additional properties is dropped) and lists all its properties in `required`, so optional properties become
 * mandatory (make them nullable to keep absence expressible); `nullable: true` becomes a type array with "null"
 * (or an anyOf with a null branch when there is no `type`). Other keywords are copied unchanged.
 */
export function toStrictSchema(schema: JsonSchema): JsonSchema {
  const copy: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'nullable') continue;
    if (keyword === 'properties' || keyword === '$defs') {
      copy[keyword] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([key, child]) => [key, toStrictSchema(child)]),
      );
    } else if (keyword === 'items') {
      copy[keyword] = toStrictSchema(value as JsonSchema);
    } else if (keyword === 'anyOf') {
      copy[keyword] = (value as JsonSchema[]).map(toStrictSchema);
    } else {
      copy[keyword] = structuredClone(value);
    }
  }
  if (isObjectSchema(schema)) {
    const properties = (copy['properties'] as Record<string, JsonSchema> | undefined) ?? {};
    copy['properties'] = properties;
    copy['required'] = Object.keys(properties);
    copy['additionalProperties'] = false;
  }
  if (schema.nullable !== true) return copy as JsonSchema;
  const type = schema.type;
  if (type === undefined) {
    // Annotations stay on the outer schema, where they describe the property as a whole.
    const { title, description, ...rest } = copy;
    const wrapper: Record<string, unknown> = {};
    if (title !== undefined) wrapper['title'] = title;
    if (description !== undefined) wrapper['description'] = description;
    wrapper['anyOf'] = [rest, { type: 'null' }];
    return wrapper as JsonSchema;
  }
  const types: JsonSchemaTypeName[] = typeof type === 'string' ? [type] : [...type];
  if (!types.includes('null')) types.push('null');
  copy['type'] = types;
  return copy as JsonSchema;
}

/**
 * The `response_format` asking for output that follows `schema` strictly. Throws InvalidInputError when `name` is
 * not 1–64 letters, digits, underscores or dashes, or when the schema is not strict (see `checkStrictSchema`; the
 * check runs once per schema object).
 */
export function responseFormatFor(name: string, schema: JsonSchema, description?: string): JsonSchemaResponseFormat {
  if (!responseFormatName.test(name)) {
    throw new InvalidInputError(`Response format name "${name}" must be 1-64 letters, digits, underscores or dashes`);
  }
  checkStrictSchema(schema, `Response format "${name}"`);
  return {
    type: 'json_schema',
    json_schema: { name, ...(description === undefined ? {} : { description }), schema, strict: true },
  };
}
