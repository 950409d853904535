import { InvalidInputError } from '../../shared/errors';
import { stringFormats } from './formats';
import {
  annotationKeywords,
  isPlainObject,
  jsonSchemaTypeNames,
  jsonTypeOf,
  previewJson,
  propertyPath,
  resolveLocalRef,
  validationKeywords,
} from './jsonSchema';
import type { JsonSchema, JsonSchemaTypeName } from './jsonSchema';

/** Appends one message per violation; `path` is the value's location (`$`, `$.items[2].name`). */
type Check = (value: unknown, path: string, errors: string[]) => void;

interface CompileContext {
  readonly root: JsonSchema;
  /** Compiled reference targets by reference string; the holder lets recursive schemas refer to themselves. */
  readonly refs: Map<string, { check: Check }>;
}

const compiledByIdentity = new WeakMap<object, Check>();
/** Catches schemas rebuilt with the same content for every call (identity misses); bounded to stay small. */
const compiledByText = new Map<string, Check>();
const maxCompiledByText = 256;

/**
 * Validates a parsed JSON value against a schema and returns one message per violation, each starting with the
 * JSON path of the offending value (`$.sample_sentence: expected string, got number`); an empty list means valid.
 * Types are strict: no coercion between strings, numbers and booleans. The schema is compiled on first use and
 * cached (by object identity, then by content), so calling this for every response costs only the checks themselves;
 * do not mutate a schema after its first use. Throws InvalidInputError when the schema itself uses an unsupported
 * keyword, an unknown format, a bad pattern or an unresolvable reference.
 */
export function validateJson(schema: JsonSchema, value: unknown): string[] {
  const errors: string[] = [];
  compiledCheck(schema)(value, '$', errors);
  return errors;
}

/** The compiled check for a schema, compiling (and caching) it when first seen; throws like `validateJson`. */
function compiledCheck(schema: JsonSchema): Check {
  const known = compiledByIdentity.get(schema);
  if (known !== undefined) return known;
  const text = JSON.stringify(schema);
  let check = compiledByText.get(text);
  if (check === undefined) {
    check = compileNode(schema, { root: schema, refs: new Map() }, '$');
    if (compiledByText.size >= maxCompiledByText) compiledByText.clear();
    compiledByText.set(text, check);
  }
  compiledByIdentity.set(schema, check);
  return check;
}

/**
 * Checks that a schema uses only supported keywords and that its patterns, formats and references are usable,
 * throwing InvalidInputError with the schema path otherwise.
 */
export function assertSchemaCompiles(schema: JsonSchema): void {
  compiledCheck(schema);
}

function compileNode(schema: JsonSchema, context: CompileContext, at: string): Check {
  if (!isPlainObject(schema)) throw new InvalidInputError(`${at}: a schema must be an object`);
  for (const keyword of Object.keys(schema)) {
    if (!validationKeywords.has(keyword) && !annotationKeywords.has(keyword)) {
      throw new InvalidInputError(`${propertyPath(at, keyword)}: unsupported schema keyword "${keyword}"`);
    }
  }
  const checks: Check[] = [];
  if (schema.$ref !== undefined) checks.push(compileRef(schema.$ref, context, propertyPath(at, '$ref')));
  if (schema.enum !== undefined) checks.push(compileEnum(schema.enum, at));
  if (schema.const !== undefined) {
    const expected = schema.const;
    checks.push((value, path, errors) => {
      if (!jsonEqual(value, expected)) {
        errors.push(`${path}: expected ${previewJson(expected)}, got ${previewJson(value)}`);
      }
    });
  }
  checks.push(...compileStringChecks(schema, at), ...compileNumberChecks(schema));
  checks.push(...compileArrayChecks(schema, context, at));
  const objectCheck = compileObjectChecks(schema, context, at);
  if (objectCheck !== undefined) checks.push(objectCheck);
  if (schema.anyOf !== undefined) checks.push(compileAnyOf(schema.anyOf, context, propertyPath(at, 'anyOf')));

  const typeCheck = compileType(schema, at);
  return (value, path, errors) => {
    // A value of the wrong type would only add noise through the type-specific checks, so stop at the type error.
    if (typeCheck !== undefined && !typeCheck(value, path, errors)) return;
    for (const check of checks) check(value, path, errors);
  };
}

/** Like a Check, but also says whether the value passed. */
type TypeCheck = (value: unknown, path: string, errors: string[]) => boolean;

function compileType(schema: JsonSchema, at: string): TypeCheck | undefined {
  if (schema.type === undefined) return undefined;
  const names: string[] = typeof schema.type === 'string' ? [schema.type] : [...schema.type];
  for (const name of names) {
    if (!jsonSchemaTypeNames.has(name)) {
      throw new InvalidInputError(`${propertyPath(at, 'type')}: unknown type "${name}"`);
    }
  }
  if (schema.nullable === true && !names.includes('null')) names.push('null');
  const matchers = names.map((name) => typeMatchers[name as JsonSchemaTypeName]);
  const expected = names.join(' or ');
  return (value, path, errors) => {
    for (const matches of matchers) if (matches(value)) return true;
    errors.push(`${path}: expected ${expected}, got ${jsonTypeOf(value)}`);
    return false;
  };
}

const typeMatchers: Record<JsonSchemaTypeName, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  integer: (value) => typeof value === 'number' && Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  object: isPlainObject,
  array: Array.isArray,
  null: (value) => value === null,
};

function compileRef(ref: string, context: CompileContext, at: string): Check {
  let holder = context.refs.get(ref);
  if (holder === undefined) {
    const target = resolveLocalRef(context.root, ref, at);
    const pending: { check: Check } = {
      check: () => {
        throw new Error(`Schema reference "${ref}" used before it was compiled`);
      },
    };
    holder = pending;
    context.refs.set(ref, pending);
    pending.check = compileNode(target, context, `$ref(${ref})`);
  }
  const resolved = holder;
  return (value, path, errors) => resolved.check(value, path, errors);
}

function compileEnum(values: readonly unknown[], at: string): Check {
  if (!Array.isArray(values) || values.length === 0) {
    throw new InvalidInputError(`${propertyPath(at, 'enum')}: must be a non-empty array`);
  }
  const listed = values.slice(0, 10).map(previewJson).join(', ') + (values.length > 10 ? ', ...' : '');
  const primitives = values.every((item) => item === null || typeof item !== 'object');
  const allowed = new Set(values);
  const isAllowed = primitives
    ? (value: unknown) => allowed.has(value)
    : (value: unknown) => values.some((item) => jsonEqual(item, value));
  return (value, path, errors) => {
    if (!isAllowed(value)) errors.push(`${path}: expected one of ${listed}, got ${previewJson(value)}`);
  };
}

function compileStringChecks(schema: JsonSchema, at: string): Check[] {
  const checks: Check[] = [];
  if (schema.pattern !== undefined) {
    const source = schema.pattern;
    let regex: RegExp;
    try {
      regex = new RegExp(source, 'u');
    } catch (error) {
      const message = `${propertyPath(at, 'pattern')}: invalid regular expression "${source}"`;
      throw new InvalidInputError(message, { cause: error });
    }
    checks.push((value, path, errors) => {
      if (typeof value === 'string' && !regex.test(value)) {
        errors.push(`${path}: expected a string matching /${source}/, got ${previewJson(value)}`);
      }
    });
  }
  if (schema.format !== undefined) {
    const format = schema.format;
    const matches = stringFormats.get(format);
    if (matches === undefined) {
      throw new InvalidInputError(`${propertyPath(at, 'format')}: unsupported format "${format}"`);
    }
    checks.push((value, path, errors) => {
      if (typeof value === 'string' && !matches(value)) {
        errors.push(`${path}: expected a ${format} string, got ${previewJson(value)}`);
      }
    });
  }
  return checks;
}

function compileNumberChecks(schema: JsonSchema): Check[] {
  const bounds: Array<[number | undefined, (value: number, bound: number) => boolean, string]> = [
    [schema.minimum, (value, bound) => value >= bound, 'at least'],
    [schema.maximum, (value, bound) => value <= bound, 'at most'],
    [schema.exclusiveMinimum, (value, bound) => value > bound, 'more than'],
    [schema.exclusiveMaximum, (value, bound) => value < bound, 'less than'],
  ];
  const checks: Check[] = [];
  for (const [bound, holds, wording] of bounds) {
    if (bound === undefined) continue;
    checks.push((value, path, errors) => {
      if (typeof value === 'number' && !holds(value, bound)) {
        errors.push(`${path}: expected ${wording} ${bound}, got ${value}`);
      }
    });
  }
  const divisor = schema.multipleOf;
  if (divisor !== undefined) {
    checks.push((value, path, errors) => {
      if (typeof value === 'number' && !isMultipleOf(value, divisor)) {
        errors.push(`${path}: expected a multiple of ${divisor}, got ${value}`);
      }
    });
  }
  return checks;
}

function isMultipleOf(value: number, divisor: number): boolean {
  const quotient = value / divisor;
  // Decimal divisors such as 0.1 are inexact in binary, so accept quotients within rounding error of an integer.
  return Math.abs(quotient - Math.round(quotient)) <= 1e-9 * Math.max(1, Math.abs(quotient));
}

function compileArrayChecks(schema: JsonSchema, context: CompileContext, at: string): Check[] {
  const checks: Check[] = [];
  const { minItems, maxItems } = schema;
  if (minItems !== undefined) {
    checks.push((value, path, errors) => {
      if (Array.isArray(value) && value.length < minItems) {
        errors.push(`${path}: expected at least ${minItems} items, got ${value.length}`);
      }
    });
  }
  if (maxItems !== undefined) {
    checks.push((value, path, errors) => {
      if (Array.isArray(value) && value.length > maxItems) {
        errors.push(`${path}: expected at most ${maxItems} items, got ${value.length}`);
      }
    });
  }
  if (schema.items !== undefined) {
    const itemCheck = compileNode(schema.items, context, propertyPath(at, 'items'));
    checks.push((value, path, errors) => {
      if (!Array.isArray(value)) return;
      for (let i = 0; i < value.length; i++) itemCheck(value[i], `${path}[${i}]`, errors);
    });
  }
  return checks;
}

function compileObjectChecks(schema: JsonSchema, context: CompileContext, at: string): Check | undefined {
  const { properties = {}, required = [], additionalProperties } = schema;
  if (schema.properties === undefined && schema.required === undefined && additionalProperties === undefined) {
    return undefined;
  }
  const propertiesAt = propertyPath(at, 'properties');
  const propertyChecks = new Map<string, Check>();
  for (const [key, propertySchema] of Object.entries(properties)) {
    propertyChecks.set(key, compileNode(propertySchema, context, propertyPath(propertiesAt, key)));
  }
  const extraCheck = isPlainObject(additionalProperties)
    ? compileNode(additionalProperties as JsonSchema, context, propertyPath(at, 'additionalProperties'))
    : undefined;
  const extrasForbidden = additionalProperties === false;
  return (value, path, errors) => {
    if (!isPlainObject(value)) return;
    for (const key of required) {
      if (!Object.hasOwn(value, key)) errors.push(`${propertyPath(path, key)}: missing required property`);
    }
    for (const key of Object.keys(value)) {
      const check = propertyChecks.get(key) ?? extraCheck;
      if (check !== undefined) check(value[key], propertyPath(path, key), errors);
      else if (extrasForbidden) errors.push(`${propertyPath(path, key)}: unexpected property`);
    }
  };
}

function compileAnyOf(branches: readonly JsonSchema[], context: CompileContext, at: string): Check {
  if (!Array.isArray(branches) || branches.length === 0) {
    throw new InvalidInputError(`${at}: must be a non-empty array`);
  }
  const checks = branches.map((branch, i) => compileNode(branch, context, `${at}[${i}]`));
  return (value, path, errors) => {
    const firstErrors: string[] = [];
    for (const check of checks) {
      const branchErrors: string[] = [];
      check(value, path, branchErrors);
      if (branchErrors.length === 0) return;
      firstErrors.push(branchErrors[0] as string);
    }
    const reasons = firstErrors.map((message, i) => `#${i}: ${message}`).join('; ');
    errors.push(`${path}: matches no anyOf alternative (${reasons})`);
  };
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}
