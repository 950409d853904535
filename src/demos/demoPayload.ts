import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { responseFormatFor, type JsonSchema } from '../engine';

/** The model parameters every demo fixes in its task meta. */
export interface DemoModelMeta {
  readonly model: string;
  readonly max_completion_tokens: number;
  /** Assumed fraction of `max_completion_tokens` actually generated, for cost estimates. */
  readonly completion_ratio: number;
  readonly temperature: number;
  readonly top_p: number;
}

/** A demo's chat request: the meta's model parameters, a system and a user message, and a strict structured output. */
export function demoPayload(meta: DemoModelMeta, system: string, user: string, schemaName: string, schema: JsonSchema): ChatCompletionCreateParamsNonStreaming {
  return {
    model: meta.model,
    max_completion_tokens: meta.max_completion_tokens,
    temperature: meta.temperature,
    top_p: meta.top_p,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
    response_format: responseFormatFor(schemaName, schema),
  };
}
