import type OpenAI from 'openai';
import { InvalidInputError } from '../../shared/errors';
import type { ProcessedResponse } from '../requester/responses';

/** What a direct call of an endpoint returns: the parsed body and the raw HTTP response (for its headers). */
export interface DirectAnswer {
  data: unknown;
  response: Response;
}

/** Per-call options handed to the API client. */
export interface DirectCallOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
  /** Milliseconds the client waits for the answer, when not its default. */
  timeout?: number;
  /** Retries of the client itself (the engine retries direct calls on its own, so it passes 0). */
  maxRetries?: number;
}

/** What a request body is built from: the task's request parameters and its prompt. */
export interface BodyParts {
  request: Record<string, unknown>;
  /** The conversation, for the text endpoints. */
  messages?: { role: string; content: string }[];
  /** The text to embed, for embeddings. */
  text?: string;
  /** A strict JSON Schema the answer must satisfy, and its name. */
  structured?: { name: string; schema: Record<string, unknown> };
}

/**
 * Everything that depends on the wire format of one provider endpoint: how a body is sent directly, how an answer
 * body becomes a result (parsed output, errors, warnings) and how its usage reads. Batch lines and batch creation
 * only need the endpoint's `path`. Usage is stored in the chat completions shape (`prompt_tokens`,
 * `prompt_tokens_details.cached_tokens`, `completion_tokens`, `completion_tokens_details.reasoning_tokens`,
 * `total_tokens`) whatever the endpoint answers, so that reports and totals add up across endpoints; the answer
 * payload keeps the provider's own usage.
 */
export interface EndpointWire {
  readonly path: string;
  /** Most inputs a single batch may hold in total, when the provider limits them (embeddings). */
  readonly batchInputLimit?: number;
  /** True when the endpoint takes no `service_tier` (so direct requests never carry one). */
  readonly withoutServiceTiers?: boolean;
  /** True when auto-parse takes the endpoint's tools as they are, not only strict function tools (Anthropic's have no strict mode). */
  readonly anyTools?: boolean;
  /** Inputs of one request body that count against `batchInputLimit`. */
  inputCount(payload: Record<string, unknown>): number;
  /** What the endpoint's prompt is: a conversation, or a text to embed. */
  readonly prompt: 'messages' | 'text';
  /** Request keys that `buildBody` sets, which a task's request parameters therefore cannot. */
  readonly bodyKeys: readonly string[];
  /** The request body of `parts`; throws InvalidInputError for a prompt this endpoint cannot take. */
  buildBody(parts: BodyParts): Record<string, unknown>;
  /**
   * What a task keeps of a processed answer payload: the parsed structured output when there is one, else the text;
   * for embeddings the vector (a list of vectors when the request had several inputs).
   */
  answerOutput(payload: Record<string, unknown>): unknown;
  callDirect(client: OpenAI, payload: Record<string, unknown>, options: DirectCallOptions): Promise<DirectAnswer>;
  /** Interprets one answer body for the request it answers; `providerRequestId` is the batch line id or x-request-id. */
  processResponse(body: unknown, payload: Record<string, unknown>, parseInfo: Record<string, unknown> | null, providerRequestId: string | undefined): ProcessedResponse;
}

/** The messages of `parts`, which an endpoint that takes a conversation requires. */
export function requireMessages(parts: BodyParts, endpoint: string): { role: string; content: string }[] {
  if (parts.messages === undefined || parts.text !== undefined) throw new InvalidInputError(`endpoint ${endpoint} takes messages, not a text to embed`);
  return parts.messages;
}
