import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { isUnicodeWhitespace } from '../../engine';
import { demoPayload, type DemoModelMeta } from '../demoPayload';
import { unicodeCharacterInfoName, unicodeCharacterInfoSchema } from './schema';

/** Model parameters fixed when a char_codes task is created. */
export type CharCodesMeta = DemoModelMeta;

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
  return demoPayload(meta, systemMessage, `Character: ${shown}`, unicodeCharacterInfoName, unicodeCharacterInfoSchema);
}
