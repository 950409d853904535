/**
 * Readable views of request bodies and answer payloads of every endpoint (chat completions, Responses, embeddings),
 * for the tree's rows and the preview tabs: the input text of a request, the parsed output of an answer, and a line
 * summing up an embeddings answer instead of its wall of numbers.
 */

/** Characters of a request's input text a tree row shows. */
const promptTextLength = 120;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The text of a message content: a string, or the text of its text parts (`text`, `input_text`). */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.filter(isObject).flatMap((part) => (typeof part.text === 'string' ? [part.text] : []));
  return texts.length === 0 ? undefined : texts.join(' ');
}

/** The last user message's text of a conversation (chat `messages`, or a Responses `input` list). */
function lastUserText(messages: unknown[]): string | undefined {
  const user = messages.filter(isObject).filter((m) => m.role === 'user' || m.role === undefined);
  return contentText(user.at(-1)?.content);
}

/** One line of at most `promptTextLength` characters. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/gu, ' ').trim();
  return line.length <= promptTextLength ? line : `${line.slice(0, promptTextLength - 1)}…`;
}

/**
 * The input text of a request body, on one line: the last user message (chat completions, Responses), or the text to
 * embed (embeddings; with several inputs the first and how many follow). Undefined when the body holds no text.
 */
export function promptText(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  let text: string | undefined;
  if (Array.isArray(body.messages)) text = lastUserText(body.messages);
  else if (typeof body.input === 'string') text = body.input;
  else if (Array.isArray(body.input)) text = inputListText(body.input);
  return text === undefined || text.trim() === '' ? undefined : oneLine(text);
}

/** A Responses message list, or the inputs of an embeddings request (texts, or token arrays). */
function inputListText(input: unknown[]): string | undefined {
  if (input.some(isObject)) return lastUserText(input);
  if (input.every((entry) => typeof entry === 'number')) return `${input.length} tokens`;
  const first = typeof input[0] === 'string' ? input[0] : Array.isArray(input[0]) ? `${input[0].length} tokens` : undefined;
  if (first === undefined) return undefined;
  return input.length === 1 ? first : `${first} (+${input.length - 1} more inputs)`;
}

/** What the parsed tab shows of an answer: its parsed output, refusals when there were any, and an optional summary. */
export interface ParsedAnswer {
  summary?: string;
  parsed: unknown;
  refusal?: unknown;
}

/** An embeddings answer's vectors in one line: `1 vector of 1536 dimensions · text-embedding-3-small · 8 input tokens`. */
function embeddingsSummary(payload: Json): string {
  const vectors = Array.isArray(payload.data) ? payload.data.filter(isObject).map((item) => item.embedding) : [];
  const sizes = [...new Set(vectors.map((vector) => (Array.isArray(vector) ? vector.length : 0)))];
  const usage = isObject(payload.usage) && typeof payload.usage.prompt_tokens === 'number' ? [`${payload.usage.prompt_tokens} input tokens`] : [];
  const model = typeof payload.model === 'string' ? [payload.model] : [];
  const dimensions = sizes.length === 1 ? `${sizes[0]} dimensions` : `${sizes.join(', ')} dimensions`;
  return [`${vectors.length} ${vectors.length === 1 ? 'vector' : 'vectors'} of ${dimensions}`, ...model, ...usage].join(' · ');
}

/** The parsed output of an answer payload, by its shape: a chat completion, a Responses response, an Anthropic message or an embeddings list. */
export function parsedAnswer(payload: unknown): ParsedAnswer {
  if (!isObject(payload)) return { parsed: null };
  if (payload.object === 'response') return responsesParsed(payload);
  if (payload.type === 'message') return anthropicParsed(payload);
  if (payload.object === 'list' && Array.isArray(payload.data)) {
    const vectors = payload.data.filter(isObject).map((item) => item.embedding);
    return { summary: embeddingsSummary(payload), parsed: vectors.length === 1 ? vectors[0] : vectors };
  }
  const choices = (Array.isArray(payload.choices) ? payload.choices : []).filter(isObject).map((choice) => (isObject(choice.message) ? choice.message : {}));
  const parsed = choices.map((message) => message.parsed ?? message.content ?? null);
  return {
    parsed: parsed.length === 1 ? parsed[0] : parsed,
    ...(choices.some((message) => message.refusal != null) ? { refusal: choices.map((message) => message.refusal ?? null) } : {}),
  };
}

/** A Responses answer: its parsed structured output, else its text; the refusals of its output messages. */
function responsesParsed(payload: Json): ParsedAnswer {
  const parts = (Array.isArray(payload.output) ? payload.output : []).filter(isObject).flatMap((item) => (Array.isArray(item.content) ? item.content.filter(isObject) : []));
  const refusals = parts.filter((part) => part.type === 'refusal').map((part) => part.refusal);
  const text = typeof payload.output_text === 'string' ? payload.output_text : parts.flatMap((part) => (part.type === 'output_text' && typeof part.text === 'string' ? [part.text] : [])).join('');
  return { parsed: payload.output_parsed ?? text, ...(refusals.length > 0 ? { refusal: refusals } : {}) };
}

/** An Anthropic message as the engine stores it: its structured tool input (`output_parsed`), else its text; a refusal named as such. */
function anthropicParsed(payload: Json): ParsedAnswer {
  return { parsed: payload.output_parsed ?? payload.output_text ?? null, ...(payload.stop_reason === 'refusal' ? { refusal: payload.output_text ?? '' } : {}) };
}
