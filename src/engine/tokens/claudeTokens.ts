import type { InputTokensCount } from './estimator';
import { isJsonObject, type JsonObject } from './json';
import { chatInputTokens, type PayloadCounting } from './payloadTokens';
import { roundHalfEven } from './rounding';

/**
 * Claude's tokenizer is not public, so the tokens of a `/v1/messages` body are estimated: the body is counted as the
 * equivalent chat completions body with gpt-4o's encoding (o200k_base) and overheads, times this factor. Claude's
 * tokenizers produce more tokens for the same text than o200k_base: about 10-20% more for English prose, more for
 * code and non-Latin scripts (Anthropic's own token counting endpoint and the `usage` of answers are the truth).
 */
export const claudeTokensFactor = 1.2;

/** The model whose encoding and overheads stand in for Claude's. */
export const claudeStandInModel = 'gpt-4o';

/** An Anthropic content block as a chat content part: text as text, images as image URLs, anything else as its JSON. */
function chatPart(block: unknown): unknown {
  if (!isJsonObject(block)) return block;
  if (block.type === 'text') return { type: 'text', text: block.text };
  if (block.type === 'image' && isJsonObject(block.source)) {
    const source = block.source;
    const url = source.type === 'base64' ? `data:${String(source.media_type)};base64,${String(source.data)}` : source.url;
    return { type: 'image_url', image_url: { url } };
  }
  return { type: 'text', text: JSON.stringify(block) };
}

/** The chat completions body that a Messages body's tokens are counted as: `system` first, tools as functions. */
function asChatBody(payload: JsonObject): JsonObject {
  const system = Array.isArray(payload.system) ? payload.system.map(chatPart) : payload.system;
  const messages = (Array.isArray(payload.messages) ? payload.messages : []).map((m: unknown) =>
    isJsonObject(m) && Array.isArray(m.content) ? { ...m, content: m.content.map(chatPart) } : m,
  );
  const chat: JsonObject = { messages: system === undefined ? messages : [{ role: 'system', content: system }, ...messages] };
  if (Array.isArray(payload.tools)) {
    chat.tools = payload.tools.map((t: unknown) => (isJsonObject(t) ? { type: 'function', function: { name: t.name, description: t.description, parameters: t.input_schema } } : t));
    const choice = payload.tool_choice;
    if (isJsonObject(choice) && choice.type === 'tool') chat.tool_choice = { type: 'function', function: { name: choice.name } };
  }
  return chat;
}

/** Estimated input tokens of a `/v1/messages` body; the surplus of the factor counts as fixed, hidden tokens. */
export function messagesInputTokens(payload: JsonObject, counting: PayloadCounting): InputTokensCount {
  const count = chatInputTokens(asChatBody(payload), counting);
  const surplus = roundHalfEven(count.total * (claudeTokensFactor - 1));
  return { ...count, fixed: count.fixed + surplus, extra: count.extra + surplus, total: count.total + surplus };
}
