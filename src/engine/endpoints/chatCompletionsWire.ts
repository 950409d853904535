import { responseFormatFor } from '../schema/strict';
import type { JsonSchema } from '../schema/jsonSchema';
import { processChatCompletion } from '../requester/responses';
import { requireMessages, type EndpointWire } from './endpointWire';

/** `/v1/chat/completions`: messages in, choices out; structured output through `response_format`. */
export const chatCompletionsWire: EndpointWire = {
  path: '/v1/chat/completions',
  prompt: 'messages',
  bodyKeys: ['messages', 'response_format', 'stream'],
  buildBody(parts) {
    const body: Record<string, unknown> = { ...parts.request, messages: requireMessages(parts, this.path) };
    if (parts.structured) body.response_format = responseFormatFor(parts.structured.name, parts.structured.schema as JsonSchema);
    return body;
  },
  answerOutput(payload) {
    const message = ((payload.choices as { message?: { parsed?: unknown; content?: unknown } }[] | undefined) ?? [])[0]?.message;
    return message?.parsed ?? message?.content;
  },
  inputCount: () => 1,
  callDirect: (client, payload, options) => client.chat.completions.create(payload as never, options).withResponse(),
  processResponse: processChatCompletion,
};
