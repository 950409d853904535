import { TokenEstimator, tokenCounterFor } from '../engine';

// The engine's shared counter, not an encoder of its own: each tiktoken encoder holds its whole vocabulary in WASM
// memory, which never shrinks, and `--simulate` runs the simulator in the engine's process.
const o200k = () => tokenCounterFor('o200k_base');

/** Number of o200k_base tokens of the text. */
export function countTokens(text: string): number {
  return o200k().count(text);
}

/** The text cut to its first `maxTokens` tokens (a split multi-byte character is dropped). */
export function truncateToTokens(text: string, maxTokens: number): string {
  return o200k().truncate(text, maxTokens);
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

/** Input tokens of an Anthropic Messages request, as the engine's token estimator counts them (an estimate of Claude's). */
export function countMessagesInputTokens(body: Record<string, unknown>): number {
  return estimator.estimateInput(body, '/v1/messages').total;
}
