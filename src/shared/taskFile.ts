import { z } from 'zod';

/**
 * The task file `gpt-batch.json`: one or more named tasks. Each task is a built-in demo, a template task (no code)
 * or a module task (a JavaScript module building on the TaskManager API), plus any engine option under its seed name.
 */

/** Names of the built-in demos. */
export const demoNames = ['char_codes', 'utterance_emotion'] as const;
export type DemoName = (typeof demoNames)[number];

/** A message of a template task (chat completions or responses); `{{field}}` placeholders are filled from each input record. */
export const templateMessageSchema = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.string().min(1),
});

/** The keys that define what a task is; every other key of a task entry is an engine option. */
export const taskKindSchemas = {
  demo: z.strictObject({
    task: z.enum(demoNames.map((d) => `demo:${d}`) as [string, ...string[]]).describe('A built-in demo: demo:char_codes or demo:utterance_emotion'),
  }),
  template: z.strictObject({
    input: z.string().min(1).describe('Input records: a .jsonl, .json (array) or .csv file, relative to the task file'),
    key: z.string().min(1).describe('The field that identifies each record (unique)'),
    messages: z
      .array(templateMessageSchema)
      .min(1)
      .optional()
      .describe('Messages with {{field}} placeholders (chat completions, responses and Anthropic messages endpoints)'),
    embed: z.string().min(1).optional().describe('The text to embed per record, with {{field}} placeholders (embeddings endpoint)'),
    response_schema: z.record(z.string(), z.unknown()).optional().describe('JSON Schema of the structured output (strict; chat completions, responses and Anthropic messages)'),
    response_schema_name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional().describe('Name of the response schema (default Response)'),
    request: z.record(z.string(), z.unknown()).describe('Request parameters: model, max_completion_tokens (max_output_tokens for responses, dimensions for embeddings, max_tokens for Anthropic), temperature, …'),
    output: z.string().min(1).optional().describe('Output JSONL (default <task_dir>/<task>_output.jsonl; failures go to <output>_failed.jsonl)'),
  }),
  module: z.strictObject({
    module: z.string().min(1).describe('A JavaScript module exporting createTask(context), relative to the task file'),
    module_options: z.record(z.string(), z.unknown()).optional().describe('Free-form options handed to the module'),
  }),
} as const;

export type TemplateTaskSpec = z.infer<typeof taskKindSchemas.template>;
export type ModuleTaskSpec = z.infer<typeof taskKindSchemas.module>;

/** A task of the file, split into what it is and its engine options. */
export type TaskSpec =
  | { kind: 'demo'; name: string; demo: DemoName; options: Record<string, unknown> }
  | { kind: 'template'; name: string; template: TemplateTaskSpec; options: Record<string, unknown> }
  | { kind: 'module'; name: string; module: ModuleTaskSpec; options: Record<string, unknown> };

export const taskNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
