import { z } from 'zod';
import type { OptionDef } from '../options';

/**
 * An option before it is given its name and group. The schema type is kept so that the resolved option objects
 * (`RequesterOptions`, ...) are typed from the same definitions that validate them.
 */
export interface OptionSpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  default: z.output<S>;
  help: string;
  flag: OptionDef['flag'];
  unit?: string;
  metavar?: string;
  cli?: boolean;
  file?: boolean;
  secret?: OptionDef['secret'];
}

/** The resolved value of every option of a spec table, keyed like the table. */
export type ResolvedValues<T extends Record<string, OptionSpec>> = { -readonly [K in keyof T]: z.output<T[K]['schema']> };

// Each schema carries one user-facing description of what it expects, used for every issue it can raise, so that
// error messages read "expected an integer >= 0" whatever zod found wrong.

/** An integer, optionally with an inclusive lower bound. */
export function int(min?: number): z.ZodNumber {
  if (min === undefined) return z.int({ error: 'an integer' });
  const expected = `an integer >= ${min}`;
  return z.int({ error: expected }).min(min, { error: expected });
}

/** A finite number, optionally within inclusive bounds. */
export function float(min?: number, max?: number): z.ZodNumber {
  const expected =
    min !== undefined && max !== undefined
      ? `a number from ${min} to ${max}`
      : min !== undefined
        ? `a number >= ${min}`
        : max !== undefined
          ? `a number <= ${max}`
          : 'a number';
  let schema = z.number({ error: expected });
  if (min !== undefined) schema = schema.min(min, { error: expected });
  if (max !== undefined) schema = schema.max(max, { error: expected });
  return schema;
}

/** A number strictly between two bounds. */
export function floatBetweenExclusive(min: number, max: number): z.ZodNumber {
  const expected = `a number strictly between ${min} and ${max}`;
  return z.number({ error: expected }).gt(min, { error: expected }).lt(max, { error: expected });
}

/** A non-empty string. */
export function text(): z.ZodString {
  const expected = 'a non-empty string';
  return z.string({ error: expected }).min(1, { error: expected });
}

/** An API path such as `/v1/chat/completions`. */
export function apiPath(): z.ZodString {
  const expected = 'an API path starting with "/", such as /v1/chat/completions';
  return z.string({ error: expected }).regex(/^\/\S*$/, { error: expected });
}

/** An absolute http(s) URL. */
export function httpUrl(): z.ZodString {
  const expected = 'an http:// or https:// URL';
  return z.string({ error: expected }).refine(isHttpUrl, { error: expected });
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

/** One of a fixed set of strings, matched exactly. */
export function choice<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: `one of ${values.join(', ')}` });
}

/** One of a fixed set of lower-case strings, matched ignoring case; resolves to the lower-case value. */
export function choiceIgnoringCase<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess((value) => (typeof value === 'string' ? value.toLowerCase() : value), choice(values));
}

/** A JSON object of arbitrary keys. */
export function jsonObject() {
  return z.record(z.string(), z.unknown(), { error: 'a JSON object' });
}

/** An option that takes one value on the command line (`--name VALUE`). */
export function valueOption<S extends z.ZodType>(
  schema: S,
  defaultValue: z.output<S>,
  metavar: string,
  help: string,
  unit?: string,
): OptionSpec<S> {
  return { schema, default: defaultValue, help, flag: 'value', metavar, ...(unit === undefined ? {} : { unit }) };
}

/** A boolean option that defaults to false; `--name` turns it on. */
export function switchOption(help: string): OptionSpec<z.ZodBoolean> {
  return { schema: z.boolean({ error: 'true or false' }), default: false, help, flag: 'switch' };
}

/** A boolean option that defaults to true; `--no_name` turns it off. */
export function negatedOption(help: string): OptionSpec<z.ZodBoolean> {
  return { schema: z.boolean({ error: 'true or false' }), default: true, help, flag: 'negated' };
}
