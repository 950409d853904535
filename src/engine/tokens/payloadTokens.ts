import type { InputTokensCount } from './estimator';
import type { FuncFamily } from './families';
import { isJsonObject, type JsonObject } from './json';
import { countChatMessage, countResponsesItem, type MessageCounting } from './messageTokens';
import { functionTokens, type SchemaCounting } from './schemaTokens';
import { TokenTally } from './tally';

/** Everything payload counting needs for one model. */
export interface PayloadCounting extends MessageCounting {
  model: string;
  func: FuncFamily;
}

function schemaCounting(counting: PayloadCounting): SchemaCounting {
  return { config: counting.func.config, count: (text) => counting.counter.count(text), warn: counting.warn };
}

function warnUnsupportedTools(counting: PayloadCounting): void {
  if (!counting.func.toolsSupported) {
    counting.warn(`Model '${counting.model}' is not known to support tools: counting them with the default constants`);
  }
}

/** Tool choice as the function formula takes it: a mode string, a forced function, or undefined. */
function callMode(toolChoice: unknown, counting: PayloadCounting, forcedFunction: (choice: JsonObject) => unknown): unknown {
  if (!isJsonObject(toolChoice)) return toolChoice;
  if (toolChoice.type === 'function') return forcedFunction(toolChoice);
  counting.warn(`tool_choice of type '${String(toolChoice.type)}' is not estimated: counting it as absent`);
  return undefined;
}

/** The function definitions of `type: function` tools; `definition` picks it from one tool. */
function toolFunctions(tools: readonly unknown[], counting: PayloadCounting, definition: (tool: JsonObject) => unknown): unknown[] {
  const functions: unknown[] = [];
  for (const tool of tools) {
    if (isJsonObject(tool) && tool.type === 'function') functions.push(definition(tool));
    else counting.warn(`Tool of type '${isJsonObject(tool) ? String(tool.type) : typeof tool}' is not estimated: counting 0 tokens`);
  }
  return functions;
}

/**
 * Tokens of a response format. `format.type` decides; a json_schema format counts as one function definition,
 * `definition`, whose parameters are its `schema` (chat: `format.json_schema`; responses: the format itself).
 */
function formatTokens(format: unknown, definition: unknown, counting: PayloadCounting): number {
  if (!format) return 0;
  const type = isJsonObject(format) ? format.type : undefined;
  if (type === 'text' || type === 'json_object') return 0;
  if (type !== 'json_schema') {
    counting.warn(`Response format of type '${String(type)}' is not estimated: counting 0 tokens`);
    return 0;
  }
  if (!counting.func.jsonSchemaSupported) {
    counting.warn(`Model '${counting.model}' is not known to support json_schema response formats: counting with the default constants`);
  }
  if (!isJsonObject(definition)) {
    counting.warn('json_schema response format without a schema object: counting 0 tokens');
    return 0;
  }
  return functionTokens([definition], null, 'schema', schemaCounting(counting));
}

/** Input tokens of a `/v1/chat/completions` body (tokens.md §4). */
export function chatInputTokens(payload: JsonObject, counting: PayloadCounting): InputTokensCount {
  const tally = new TokenTally();
  tally.addFixed(counting.core.tokensPerResponse);
  const messages = Array.isArray(payload.messages) ? payload.messages : [];
  if (!Array.isArray(payload.messages)) counting.warn('Chat request without a "messages" list: counting no messages');
  for (let position = 0; position < messages.length; position += 1) countChatMessage(messages[position], position, tally, counting);
  const format = payload.response_format;
  tally.format = formatTokens(format, isJsonObject(format) ? format.json_schema : undefined, counting);
  if (Array.isArray(payload.tools) && payload.tools.length > 0) {
    warnUnsupportedTools(counting);
    const functions = toolFunctions(payload.tools, counting, (tool) => tool.function);
    const call = callMode(payload.tool_choice, counting, (choice) => choice.function);
    tally.tools = functionTokens(functions, call, 'parameters', schemaCounting(counting));
  }
  if (Array.isArray(payload.functions) && payload.functions.length > 0) {
    warnUnsupportedTools(counting);
    tally.functions = functionTokens(payload.functions, payload.function_call, 'parameters', schemaCounting(counting));
  }
  return tally.toCount();
}

/**
 * Input tokens of a `/v1/responses` body, counted with the chat rules: `instructions` as a leading system
 * message, `input` as a user message (string) or message items, `tools` with flat function definitions, and
 * `text.format` like a chat json_schema response format.
 */
export function responsesInputTokens(payload: JsonObject, counting: PayloadCounting): InputTokensCount {
  const tally = new TokenTally();
  tally.addFixed(counting.core.tokensPerResponse);
  const items: unknown[] = [];
  if (typeof payload.instructions === 'string') items.push({ role: 'system', content: payload.instructions });
  if (typeof payload.input === 'string') items.push({ role: 'user', content: payload.input });
  else if (Array.isArray(payload.input)) items.push(...payload.input);
  else if (payload.input !== undefined) counting.warn('Responses "input" is neither a string nor a list: counting 0 tokens');
  items.forEach((item, position) => countResponsesItem(item, position, tally, counting));
  const format = isJsonObject(payload.text) ? payload.text.format : undefined;
  tally.format = formatTokens(format, format, counting);
  if (Array.isArray(payload.tools) && payload.tools.length > 0) {
    warnUnsupportedTools(counting);
    const functions = toolFunctions(payload.tools, counting, (tool) => tool);
    const call = callMode(payload.tool_choice, counting, (choice) => choice);
    tally.tools = functionTokens(functions, call, 'parameters', schemaCounting(counting));
  }
  return tally.toCount();
}

/**
 * Input tokens of a `/v1/embeddings` body: the tokens of every input string, or the length of every token
 * array. They are attributed to user messages so that the breakdown still adds up.
 */
export function embeddingsInputTokens(payload: JsonObject, counting: PayloadCounting): InputTokensCount {
  const tally = new TokenTally();
  const input = payload.input;
  const inputs: unknown[] = Array.isArray(input) && input.some((entry) => typeof entry !== 'number') ? input : [input];
  for (const entry of inputs) {
    if (typeof entry === 'string') tally.addText('user', counting.counter.count(entry));
    else if (Array.isArray(entry) && entry.every((token) => typeof token === 'number')) tally.addText('user', entry.length);
    else counting.warn('Embeddings input is not a string, a token array or a list of those: counting 0 tokens for it');
  }
  return tally.toCount();
}
