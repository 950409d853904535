import type { CoreTokensConfig } from './families';
import { isJsonObject } from './json';
import { roleBucket, type RoleBucket, type TokenTally } from './tally';
import type { TokenCounter } from './tokenCounter';

/** An image as a request refers to it. */
export interface ImageReference {
  url?: string;
  fileId?: string;
  detail: string;
}

/** One content part, read from the wire shape of its endpoint. */
export type ContentPart =
  | { kind: 'text'; text: string }
  | { kind: 'image'; image: ImageReference }
  | { kind: 'skipped'; warning: string };

/** Reads one raw content part. */
export type PartReader = (part: unknown) => ContentPart;

/** What counting messages needs from the estimator. */
export interface MessageCounting {
  core: CoreTokensConfig;
  counter: TokenCounter;
  warn(message: string): void;
  imageTokens(image: ImageReference): number;
}

// Python's string.whitespace and string.punctuation: a text ending in anything else is "unended".
const endedCharacters = new Set([...' \t\n\r\v\f!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'].map((c) => c.charCodeAt(0)));

function endsUnended(text: string): boolean {
  return text.length > 0 && !endedCharacters.has(text.charCodeAt(text.length - 1));
}

function skipped(warning: string): ContentPart {
  return { kind: 'skipped', warning };
}

/** Reads a `/v1/chat/completions` content part (`text`, `image_url`). */
export function readChatPart(part: unknown): ContentPart {
  if (!isJsonObject(part)) return skipped('Content part is not an object: counting 0 tokens');
  if (part.type === 'text') {
    return typeof part.text === 'string' ? { kind: 'text', text: part.text } : skipped('Text part without a string "text": counting 0 tokens');
  }
  if (part.type === 'image_url') {
    const image = part.image_url;
    if (!isJsonObject(image) || typeof image.url !== 'string') return skipped('Image part without "image_url.url": counting 0 tokens');
    return { kind: 'image', image: { url: image.url, detail: typeof image.detail === 'string' ? image.detail : 'auto' } };
  }
  return skipped(`Content part of type '${String(part.type)}' is not estimated: counting 0 tokens`);
}

/** Reads a `/v1/responses` content part (`input_text`, `output_text`, `input_image`). */
export function readResponsesPart(part: unknown): ContentPart {
  if (!isJsonObject(part)) return skipped('Content part is not an object: counting 0 tokens');
  if (part.type === 'input_text' || part.type === 'output_text') {
    return typeof part.text === 'string' ? { kind: 'text', text: part.text } : skipped(`${part.type} part without a string "text": counting 0 tokens`);
  }
  if (part.type === 'input_image') {
    const detail = typeof part.detail === 'string' ? part.detail : 'auto';
    if (typeof part.image_url === 'string') return { kind: 'image', image: { url: part.image_url, detail } };
    if (typeof part.file_id === 'string') return { kind: 'image', image: { fileId: part.file_id, detail } };
    return skipped('input_image part without "image_url" or "file_id": counting 0 tokens');
  }
  return skipped(`Content part of type '${String(part.type)}' is not estimated: counting 0 tokens`);
}

/** Counts a message's content: a string, null, or a list of parts. */
function countContent(content: unknown, role: RoleBucket, readPart: PartReader, tally: TokenTally, counting: MessageCounting): void {
  if (content === null || content === undefined) return;
  if (typeof content === 'string') {
    const unended = endsUnended(content) ? counting.core.tokensLastTextUnended : 0;
    tally.addText(role, counting.counter.count(content) + unended);
    return;
  }
  if (!Array.isArray(content)) {
    counting.warn('Message content is neither a string nor a list of parts: counting 0 tokens');
    return;
  }
  const counter = counting.counter;
  // The API joins adjacent text parts; a part following one that ended in a lone space or period token merges
  // with it and costs one token less.
  let previousLastToken: number | undefined;
  let lastText: string | undefined;
  for (const raw of content) {
    const part = readPart(raw);
    if (part.kind === 'text') {
      const tokens = counter.encode(part.text);
      const joins = tokens.length > 0 && (previousLastToken === counter.spaceToken || previousLastToken === counter.periodToken);
      tally.addText(role, tokens.length - (joins ? 1 : 0));
      previousLastToken = tokens[tokens.length - 1];
      lastText = part.text;
      continue;
    }
    if (part.kind === 'image') tally.addImage(role, counting.imageTokens(part.image));
    else counting.warn(part.warning);
    previousLastToken = undefined;
    lastText = undefined;
  }
  if (lastText !== undefined && endsUnended(lastText)) tally.addText(role, counting.core.tokensLastTextUnended);
}

function messageOverhead(position: number, core: CoreTokensConfig): number {
  return core.tokensPerMessage + (position > 0 ? core.tokensPerMessageGap : 0);
}

/**
 * Counts one `/v1/chat/completions` message (0-based `position`): overhead, every string field (role, name,
 * tool_call_id, ...) as meta, and the content. Non-string fields such as tool_calls are not counted.
 */
export function countChatMessage(message: unknown, position: number, tally: TokenTally, counting: MessageCounting): void {
  if (!isJsonObject(message)) {
    counting.warn('Chat message is not an object: counting 0 tokens');
    return;
  }
  const role = roleBucket(message.role);
  tally.addOverhead(role, messageOverhead(position, counting.core));
  for (const key in message) {
    const value = message[key];
    if (key === 'content') countContent(value, role, readChatPart, tally, counting);
    else if (typeof value === 'string') {
      if (key === 'name') tally.addOverhead(role, counting.core.tokensPerName);
      tally.addMeta(role, counting.counter.count(value));
    }
  }
}

/**
 * Counts one `/v1/responses` input item (0-based `position`) like a chat message: overhead, the role as meta,
 * and the content. Items other than messages (function call outputs, reasoning, ...) warn and count 0.
 */
export function countResponsesItem(item: unknown, position: number, tally: TokenTally, counting: MessageCounting): void {
  if (!isJsonObject(item) || (item.type !== undefined && item.type !== 'message') || typeof item.role !== 'string') {
    const type = isJsonObject(item) ? String(item.type) : typeof item;
    counting.warn(`Responses input item of type '${type}' is not estimated: counting 0 tokens`);
    return;
  }
  const role = roleBucket(item.role);
  tally.addOverhead(role, messageOverhead(position, counting.core));
  tally.addMeta(role, counting.counter.count(item.role));
  countContent(item.content, role, readResponsesPart, tally, counting);
}
