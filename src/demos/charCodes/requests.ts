import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { responseFormatFor } from '../../engine/schema/strict';
import { isUnicodeWhitespace } from '../../engine/util/codePoints';
import { unicodeCharacterInfoName, unicodeCharacterInfoSchema } from './schema';

/** Model parameters fixed when a char_codes task is created. */
export interface CharCodesMeta {
  readonly model: string;
  readonly max_completion_tokens: number;
  /** Assumed fraction of `max_completion_tokens` actually generated, for cost estimates. */
  readonly completion_ratio: number;
  readonly temperature: number;
  readonly top_p: number;
}

export const charCodesDefaultMeta: CharCodesMeta = {
  model: 'gpt-4o-mini-2024-07-18',
  max_completion_tokens: 200,
  completion_ratio: 0.35,
  temperature: 0.2,
  top_p: 0.6,
};

const systemMessage =
  'You will receive a single Unicode character and must answer with structured information about that character.';

/**
 * The chat request asking about `char`. The user message is exactly `Character: <char>`, with the character in
 * double quotes when it is whitespace so that it stays visible.
 */
export function charCodesPayload(meta: CharCodesMeta, char: string): ChatCompletionCreateParamsNonStreaming {
  const shown = isUnicodeWhitespace(char) ? `"${char}"` : char;
  return {
    model: meta.model,
    max_completion_tokens: meta.max_completion_tokens,
    temperature: meta.temperature,
    top_p: meta.top_p,
    messages: [
      { role: 'system', content: systemMessage },
      { role: 'user', content: `Character: ${shown}` },
    ],
    response_format: responseFormatFor(unicodeCharacterInfoName, unicodeCharacterInfoSchema),
  };
}
