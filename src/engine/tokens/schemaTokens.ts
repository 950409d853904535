import type { FuncTokensConfig } from './families';
import { isJsonObject, type JsonObject } from './json';

/** What the function/schema formula needs from the estimator. */
export interface SchemaCounting {
  config: FuncTokensConfig;
  count(text: string): number;
  warn(message: string): void;
}

function isNonEmptyObject(value: unknown): value is JsonObject {
  return isJsonObject(value) && Object.keys(value).length > 0;
}

function stripTrailingDots(text: string, maxDots: number): string {
  let end = text.length;
  while (end > 0 && text.length - end < maxDots && text[end - 1] === '.') end -= 1;
  return text.slice(0, end);
}

/** `desc(d, k)` of tokens.md §4.9: nothing for a missing or blank description. */
function descriptionTokens(description: unknown, init: number, counting: SchemaCounting): number {
  if (typeof description !== 'string') return 0;
  const trimmed = description.trim();
  if (trimmed === '') return 0;
  return init + counting.count(stripTrailingDots(trimmed, counting.config.descStripDot));
}

/**
 * Tokens of a list of function definitions (tools, legacy functions, or a json_schema response format counted as
 * one function whose parameters are under `schema`), with the call mode (`tool_choice` / `function_call`).
 * The formula is gpt_batch_api's (tokens.md §4.8); malformed parts warn and count 0, nothing throws.
 */
export function functionTokens(functions: readonly unknown[], call: unknown, paramsKey: string, counting: SchemaCounting): number {
  if (functions.length === 0) return 0;
  const config = counting.config;
  let total = (call ?? 'auto') === 'none' ? config.callNone : 0;
  for (const fn of functions) {
    if (!isJsonObject(fn)) {
      counting.warn('Function definition is not an object: counting 0 tokens for it');
      continue;
    }
    total += config.funcInit + counting.count(typeof fn.name === 'string' ? fn.name : '');
    const description = typeof fn.description === 'string' ? fn.description : '';
    if (description !== '') total += config.funcDescPre;
    const trimmed = description.trim();
    if (trimmed !== '') total += config.funcDescPost;
    total += counting.count(stripTrailingDots(trimmed, config.descStripDot));
    total += rootSchemaTokens(fn[paramsKey], counting);
  }
  return total + config.funcEnd;
}

function rootSchemaTokens(schema: unknown, counting: SchemaCounting): number {
  if (!isNonEmptyObject(schema)) return 0;
  if (schema.type !== 'object') {
    counting.warn(`Function parameters of type ${JSON.stringify(schema.type)} instead of "object": counting no parameter tokens`);
    return 0;
  }
  const config = counting.config;
  let total = 0;
  if (typeof schema.title === 'string' && schema.title !== '') total += config.propTitleInit + counting.count(schema.title);
  const defs = isNonEmptyObject(schema.$defs) ? schema.$defs : undefined;
  const properties = isNonEmptyObject(schema.properties) ? schema.properties : undefined;
  if (defs || properties) total += config.rootPropsInit;
  if (defs) total += objectPropertiesTokens(defs, counting);
  if (properties) total += objectPropertiesTokens(properties, counting);
  return total;
}

/** Why a property is skipped (0 tokens), or undefined if it is counted. */
function skipReason(spec: JsonObject): string | undefined {
  const type = spec.type;
  if (type === undefined) return 'has no "type" (e.g. $ref or anyOf)';
  if (typeof type !== 'string') return 'has a list of types';
  if (type === 'object' && spec.properties === undefined) return 'is an object without "properties"';
  if (type !== 'array') return undefined;
  const items = spec.items;
  if (items === undefined) return 'is an array without "items"';
  if (!isJsonObject(items)) return 'has "items" that is not an object';
  if (Object.keys(items).length === 0) return undefined;
  if (items.type === undefined) return 'is an array whose items have no "type"';
  if (typeof items.type !== 'string') return 'is an array whose items have a list of types';
  if (items.type === 'object' && items.properties === undefined) return 'is an array of objects without "properties"';
  return undefined;
}

type LastProperty = 'none' | 'object' | 'array' | 'enum';

function objectPropertiesTokens(properties: JsonObject, counting: SchemaCounting): number {
  const config = counting.config;
  let total = 0;
  let last: LastProperty = 'none';
  for (const [key, spec] of Object.entries(properties)) {
    last = 'none';
    if (!isJsonObject(spec)) {
      counting.warn(`Schema property '${key}' is not an object: counting 0 tokens for it`);
      continue;
    }
    const skip = skipReason(spec);
    if (skip) {
      counting.warn(`Schema property '${key}' ${skip}: counting 0 tokens for it`);
      continue;
    }
    total += config.propKeyInit + counting.count(key);
    if (typeof spec.title === 'string') total += config.propTitleInit + counting.count(spec.title);
    else counting.warn('Schema property without a "title": counting no title tokens for it');
    const type = spec.type as string;
    if (type === 'object') {
      total += descriptionTokens(spec.description, config.propDescObj, counting);
      if (isNonEmptyObject(spec.properties)) {
        last = 'object';
        total += objectPropertiesTokens(spec.properties, counting);
      } else {
        total += config.propSpecialObj;
      }
    } else if (type === 'array') {
      last = 'array';
      const items = spec.items as JsonObject;
      const itemType = Object.keys(items).length === 0 ? 'object' : (items.type as string);
      total += counting.count(itemType);
      total += descriptionTokens(spec.description, config.propDescOth, counting);
      if (itemType === 'object' && isNonEmptyObject(items.properties)) {
        total += objectPropertiesTokens(items.properties, counting);
        total += descriptionTokens(items.description, config.propDescItemObj, counting);
      } else {
        total += descriptionTokens(items.description, config.propDescItemOth, counting);
      }
    } else {
      total += counting.count(type);
      if (Array.isArray(spec.enum) && spec.enum.length > 0) {
        last = 'enum';
        total += (spec.enum.length - 1) * config.propEnumGap;
        for (const value of spec.enum) total += counting.count(typeof value === 'string' ? value : JSON.stringify(value));
        total += descriptionTokens(spec.description, config.propDescOth, counting);
      } else {
        total += descriptionTokens(spec.description, config.propDescValue, counting);
      }
    }
  }
  if (last === 'array' || last === 'enum') total += config.propSpecialLast;
  else if (last === 'object') total += config.propSpecialObj;
  return total;
}
