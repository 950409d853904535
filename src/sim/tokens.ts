import { get_encoding, type Tiktoken } from 'tiktoken';

// One encoder for the whole process: creating it parses a large vocabulary.
let encoder: Tiktoken | undefined;
const utf8 = new TextDecoder();

function getEncoder(): Tiktoken {
  encoder ??= get_encoding('o200k_base');
  return encoder;
}

/** Number of o200k_base tokens of the text. */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : getEncoder().encode_ordinary(text).length;
}

/** The text cut to its first `maxTokens` tokens (a split multi-byte character is dropped). */
export function truncateToTokens(text: string, maxTokens: number): string {
  const tokens = getEncoder().encode_ordinary(text);
  if (tokens.length <= maxTokens) return text;
  return utf8.decode(getEncoder().decode(tokens.slice(0, Math.max(0, maxTokens)))).replace(/\uFFFD+$/, '');
}

const perReply = 3;
const perMessage = 3;
const perName = 1;

/**
 * Prompt tokens of a chat completion request: 3 for the reply, and per message 3 plus the tokens of its role and of
 * its string content or text parts (+1 when it has a name), plus the tokens of the JSON of a json_schema response
 * format.
 */
export function countPromptTokens(body: Record<string, unknown>): number {
  let total = perReply;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const { role, content, name } = message as Record<string, unknown>;
    total += perMessage;
    if (typeof role === 'string') total += countTokens(role);
    total += countTokens(messageText(content));
    if (typeof name === 'string') total += perName + countTokens(name);
  }
  const format = body.response_format as Record<string, unknown> | undefined;
  if (format?.type === 'json_schema' && format.json_schema !== undefined) {
    total += countTokens(JSON.stringify(format.json_schema));
  }
  return total;
}

/** The text of a message's content: the string itself, or its text parts joined. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('');
}
