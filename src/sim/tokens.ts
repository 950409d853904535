import { get_encoding, type Tiktoken } from 'tiktoken';
import { TokenEstimator } from '../engine';

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

// The simulator answers with the prompt tokens the engine's estimator predicts, which follows OpenAI's counting
// (message overheads, names, images, schemas as function definitions); a second, simpler count here would make
// every schema batch warn of a prediction mismatch that the real API does not produce.
const estimator = new TokenEstimator({ warn: 'never' });

/** Prompt tokens of a chat completion request, as the engine's token estimator counts them for its model. */
export function countPromptTokens(body: Record<string, unknown>): number {
  return estimator.estimateInput(body, '/v1/chat/completions').total;
}

/** Input tokens of a Responses API request, as the engine's token estimator counts them. */
export function countResponsesInputTokens(body: Record<string, unknown>): number {
  return estimator.estimateInput(body, '/v1/responses').total;
}

/** Input tokens of an embeddings request, as the engine's token estimator counts them. */
export function countEmbeddingsInputTokens(body: Record<string, unknown>): number {
  return estimator.estimateInput(body, '/v1/embeddings').total;
}

/** The text of a message's content: the string itself, or its text parts joined. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('');
}
