import { pick, pickIndex, unitFloat } from './deterministic';

type Schema = Record<string, unknown>;

const words = ['amber', 'river', 'quiet', 'signal', 'harbor', 'meadow', 'copper', 'lantern', 'orbit', 'willow', 'granite', 'echo'];
const maxDepth = 8;

/**
 * A value that validates against a JSON Schema of the subset structured outputs use: objects (all properties,
 * `additionalProperties`), arrays with `items`, strings (`enum`, `const`, `format`, length bounds), integers and
 * numbers with bounds, booleans, null, type arrays, `$defs`/`definitions` with `$ref`, `anyOf`/`oneOf`. The same
 * schema and seed always give the same value.
 */
export function generateFromSchema(schema: unknown, seed: string): unknown {
  const root = isSchema(schema) ? schema : {};
  return new Generator(root, seed).value(root, 'value', 0, 'root');
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Generator {
  constructor(
    private readonly root: Schema,
    private readonly seed: string,
  ) {}

  value(schema: Schema, hint: string, depth: number, path: string): unknown {
    const resolved = this.resolve(schema, path);
    if ('const' in resolved) return resolved.const;
    if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return pick(resolved.enum, this.seed, path, 'enum');
    const options = (resolved.anyOf ?? resolved.oneOf) as unknown;
    if (Array.isArray(options) && options.length > 0) return this.value(this.chooseOption(options.filter(isSchema), depth, path), hint, depth, `${path}|`);
    const type = this.chooseType(resolved, depth, path);
    switch (type) {
      case 'object':
        return this.object(resolved, depth, path);
      case 'array':
        return this.array(resolved, hint, depth, path);
      case 'string':
        return this.string(resolved, hint, path);
      case 'integer':
        return this.number(resolved, path, true);
      case 'number':
        return this.number(resolved, path, false);
      case 'boolean':
        return unitFloat(this.seed, path, 'bool') < 0.5;
      default:
        return null;
    }
  }

  private resolve(schema: Schema, path: string): Schema {
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string'; hops += 1) {
      if (hops > 32) throw new Error(`Cyclic $ref at ${path}`);
      const ref = current.$ref as string;
      if (!ref.startsWith('#')) throw new Error(`Unsupported $ref '${ref}' at ${path}`);
      let target: unknown = this.root;
      for (const segment of ref.slice(1).split('/').filter((s) => s.length > 0)) {
        const key = decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~');
        target = isSchema(target) ? target[key] : undefined;
      }
      if (!isSchema(target)) throw new Error(`Unresolvable $ref '${ref}' at ${path}`);
      current = target;
    }
    return current;
  }

  // Deep down a recursive schema, prefer the options that end the recursion (null, scalars).
  private chooseOption(options: Schema[], depth: number, path: string): Schema {
    if (depth >= maxDepth) {
      const terminal = options.find((o) => !this.mayRecurse(o, path));
      if (terminal) return terminal;
    }
    return pick(options, this.seed, path, 'option');
  }

  private mayRecurse(schema: Schema, path: string): boolean {
    const resolved = this.resolve(schema, path);
    const types = Array.isArray(resolved.type) ? resolved.type : [resolved.type];
    return types.includes('object') || types.includes('array') || 'anyOf' in resolved || resolved.type === undefined;
  }

  private chooseType(schema: Schema, depth: number, path: string): string {
    const declared = schema.type;
    if (typeof declared === 'string') return declared;
    if (Array.isArray(declared) && declared.length > 0) {
      const types = declared.filter((t): t is string => typeof t === 'string');
      if (depth >= maxDepth && types.includes('null')) return 'null';
      // Nullable fields are mostly filled, so that answers carry content.
      const nonNull = types.filter((t) => t !== 'null');
      if (nonNull.length === 0 || (types.includes('null') && unitFloat(this.seed, path, 'null') < 0.2)) return 'null';
      return pick(nonNull, this.seed, path, 'type');
    }
    if (isSchema(schema.properties)) return 'object';
    if (schema.items !== undefined) return 'array';
    return 'string';
  }

  private object(schema: Schema, depth: number, path: string): Record<string, unknown> {
    const properties = isSchema(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const result: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(properties)) {
      if (!isSchema(property)) continue;
      const optionalSkipped = !required.has(name) && unitFloat(this.seed, path, name, 'omit') < 0.3;
      if (!optionalSkipped) result[name] = this.value(property, name, depth + 1, `${path}.${name}`);
    }
    return result;
  }

  private array(schema: Schema, hint: string, depth: number, path: string): unknown[] {
    const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
    const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Math.max(minItems, 3);
    const count = depth >= maxDepth ? minItems : minItems + pickIndex(maxItems - minItems + 1, this.seed, path, 'count');
    const items = isSchema(schema.items) ? schema.items : {};
    return Array.from({ length: count }, (_, i) => this.value(items, hint, depth + 1, `${path}[${i}]`));
  }

  private string(schema: Schema, hint: string, path: string): string {
    let text = formatted(schema.format, pickIndex(28, this.seed, path, 'format') + 1) ?? `${hint.replace(/_/g, ' ')} ${pick(words, this.seed, path, 'word')}`;
    const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
    while (text.length < minLength) text += ` ${pick(words, this.seed, path, text.length)}`;
    return text.slice(0, maxLength);
  }

  private number(schema: Schema, path: string, integer: boolean): number {
    let low = typeof schema.minimum === 'number' ? schema.minimum : 0;
    let high = typeof schema.maximum === 'number' ? schema.maximum : low + 100;
    if (typeof schema.exclusiveMinimum === 'number') low = schema.exclusiveMinimum + (integer ? 1 : 1e-6);
    if (typeof schema.exclusiveMaximum === 'number') high = schema.exclusiveMaximum - (integer ? 1 : 1e-6);
    if (integer) {
      low = Math.ceil(low);
      high = Math.floor(high);
      return high <= low ? low : low + pickIndex(high - low + 1, this.seed, path, 'int');
    }
    const value = low + unitFloat(this.seed, path, 'num') * Math.max(0, high - low);
    const rounded = Math.round(value * 100) / 100;
    return rounded >= low && rounded <= high ? rounded : value;
  }
}

function formatted(format: unknown, day: number): string | undefined {
  const dd = String(day).padStart(2, '0');
  switch (format) {
    case 'date-time':
      return `2025-03-${dd}T12:30:00Z`;
    case 'date':
      return `2025-03-${dd}`;
    case 'time':
      return '12:30:00';
    case 'email':
      return `user${day}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/item/${day}`;
    case 'uuid':
      return `00000000-0000-4000-8000-0000000000${dd}`;
    default:
      return undefined;
  }
}
