import { z } from 'zod';
import { optionsJsonSchema } from './options';
import { taskKindSchemas } from './taskFile';

/** Option keys that pick the file or the task on the command line and have no place inside a task entry. */
const commandLineOnly = new Set(['config', 'task']);

/**
 * The JSON Schema of `gpt-batch.json` (shipped as `dist/gpt-batch.schema.json` and contributed through
 * `jsonValidation`): each task is a demo, a template or a module task, plus any engine option under its seed name.
 */
export function taskFileJsonSchema(): Record<string, unknown> {
  const options = optionsJsonSchema();
  const optionProperties = Object.fromEntries(Object.entries(options['properties'] as Record<string, unknown>).filter(([name]) => !commandLineOnly.has(name)));
  const kinds = Object.entries(taskKindSchemas).map(([kind, schema]) => {
    const json = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, unknown>; required?: string[] };
    return {
      title: `${kind} task`,
      type: 'object',
      properties: { ...optionProperties, ...json.properties },
      required: json.required ?? [],
      additionalProperties: false,
    };
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'GPT Batch task file',
    type: 'object',
    properties: {
      $schema: { type: 'string' },
      tasks: {
        type: 'object',
        description: 'The tasks, by name (1–64 letters, digits, _, . or -).',
        propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
        additionalProperties: { oneOf: kinds },
      },
    },
    required: ['tasks'],
    additionalProperties: false,
  };
}
