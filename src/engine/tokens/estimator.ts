import { InvalidInputError } from '../../shared/errors';
import { noopLogger, type Logger } from '../log';
import { base64DataUrlPayloadStart, imageSizeFromDataUrl } from './dataUrl';
import { familiesOf, type ImageTokensConfig, type ModelFamilies } from './families';
import type { ImageSize } from './imageHeader';
import { sizedImageTokens, worstCaseImageTokens, type ImageSizing } from './imageTokens';
import { isJsonObject } from './json';
import { readChatPart, readResponsesPart, type ImageReference, type PartReader } from './messageTokens';
import { claudeStandInModel, messagesInputTokens } from './claudeTokens';
import { chatInputTokens, embeddingsInputTokens, responsesInputTokens, type PayloadCounting } from './payloadTokens';
import { isFetchableUrl, RemoteImageSizes, type FetchImageOptions } from './remoteImageSizes';
import { roundHalfEven } from './rounding';
import { tokenCounterFor } from './tokenCounter';
import { TokenWarnings } from './warnings';

/** `never`: drop warnings; `once`: log each distinct warning the first time only; `always`: log every one. */
export type TokenWarnMode = 'never' | 'once' | 'always';

/**
 * Estimated input tokens of one request with their breakdown (tokens.md §2). Always
 * `total = fixed + msg_total + format + tools + functions` and
 * `meta + text + image + format + tools + functions + extra = total`.
 */
export interface InputTokensCount {
  /** Paid once per request (reply priming). */
  fixed: number;
  msg_system: number;
  msg_user: number;
  msg_assistant: number;
  msg_tool: number;
  msg_function: number;
  /** Messages of any other role, such as `developer`. */
  msg_other: number;
  msg_total: number;
  /** Non-content string fields of messages: role, name, tool_call_id, ... */
  meta: number;
  text: number;
  image: number;
  format: number;
  tools: number;
  functions: number;
  /** Hidden tokens: fixed, per-message and per-name overheads. */
  extra: number;
  total: number;
}

export interface TokenEstimatorOptions {
  /** Default `once`. */
  warn?: TokenWarnMode;
  /** Receives the warnings; default discards them. */
  logger?: Logger;
  /** Default `documented`; see `ImageSizing`. */
  imageSizing?: ImageSizing;
}

/** The endpoints whose requests can be estimated. */
export const estimableEndpoints = ['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/messages'] as const;
type EstimableEndpoint = (typeof estimableEndpoints)[number];

const defaultMaxOutputTokens = 2048;
const maxUrlInWarning = 100;

function shortUrl(url: string): string {
  return url.length <= maxUrlInWarning ? url : `${url.slice(0, maxUrlInWarning)}...`;
}

function checkEndpoint(endpoint: string, what: string): EstimableEndpoint {
  if ((estimableEndpoints as readonly string[]).includes(endpoint)) return endpoint as EstimableEndpoint;
  throw new InvalidInputError(`Cannot estimate ${what} tokens for endpoint '${endpoint}' (supported: ${estimableEndpoints.join(', ')})`);
}

/**
 * Estimates the tokens of API requests before they are sent, synchronously and without network access. Images
 * at remote URLs are sized from a cache that `resolveRemoteImageSizes` fills; an image not in it counts as the
 * worst case for its model, with a warning. Malformed content warns and counts 0; only an unsupported endpoint
 * or a bad completion ratio or max-tokens value throws (`InvalidInputError`).
 */
export class TokenEstimator {
  private readonly warnings: TokenWarnings;
  private readonly imageSizing: ImageSizing;
  private readonly remoteImages = new RemoteImageSizes();
  /** Per model: built once, since requests of one model come by the million. */
  private readonly counting = new Map<string, { families: ModelFamilies; counting: PayloadCounting }>();

  constructor(options: TokenEstimatorOptions = {}) {
    this.warnings = new TokenWarnings(options.warn ?? 'once', options.logger ?? noopLogger);
    this.imageSizing = options.imageSizing ?? 'documented';
    if (this.imageSizing !== 'documented' && this.imageSizing !== 'upstream') {
      throw new InvalidInputError(`imageSizing must be 'documented' or 'upstream', not '${String(this.imageSizing)}'`);
    }
  }

  /** Input tokens of one request body sent to `endpoint` (e.g. `/v1/chat/completions`). */
  estimateInput(payload: Record<string, unknown>, endpoint: string): InputTokensCount {
    const checked = checkEndpoint(endpoint, 'input');
    // Claude's tokenizer is not public: its bodies are counted with a stand-in model's (see `claudeTokensFactor`).
    const counting = this.countingFor(checked === '/v1/messages' ? claudeStandInModel : payload.model, checked);
    switch (checked) {
      case '/v1/chat/completions':
        return chatInputTokens(payload, counting);
      case '/v1/responses':
        return responsesInputTokens(payload, counting);
      case '/v1/embeddings':
        return embeddingsInputTokens(payload, counting);
      case '/v1/messages':
        return messagesInputTokens(payload, counting);
    }
  }

  /**
   * Output tokens of one request: `max` from `max_completion_tokens ?? max_tokens ?? 2048` (responses:
   * `max_output_tokens ?? 2048`; messages: `max_tokens`; embeddings: 0), never negative, and `assumed = round(max × completionRatio)`
   * with ties to even. The ratio must be within [0, 1].
   */
  estimateOutput(payload: Record<string, unknown>, endpoint: string, completionRatio: number): { assumed: number; max: number } {
    const checked = checkEndpoint(endpoint, 'output');
    if (typeof completionRatio !== 'number' || !(completionRatio >= 0 && completionRatio <= 1)) {
      throw new InvalidInputError(`assumed_completion_ratio must be a number within [0, 1] to estimate output tokens, not ${String(completionRatio)}`);
    }
    if (checked === '/v1/embeddings') return { assumed: 0, max: 0 };
    const keys = checked === '/v1/responses' ? ['max_output_tokens'] : checked === '/v1/messages' ? ['max_tokens'] : ['max_completion_tokens', 'max_tokens'];
    const key = keys.find((name) => payload[name] !== undefined && payload[name] !== null);
    const value = key === undefined ? defaultMaxOutputTokens : payload[key];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new InvalidInputError(`Request key '${String(key)}' must be a number, not ${JSON.stringify(value)}`);
    }
    const max = Math.max(value, 0);
    return { assumed: roundHalfEven(max * completionRatio), max };
  }

  /**
   * Fetches the sizes of the remote (http/https) images in a chat or responses body that are not known yet, each
   * within `timeoutMs` (default 10 s), so that later estimates count them exactly. A failed fetch is remembered
   * and the image then counts 0 tokens with a warning. Rejects with `InterruptedError` if `signal` aborts.
   */
  async resolveRemoteImageSizes(payload: Record<string, unknown>, options: FetchImageOptions = {}): Promise<void> {
    await this.remoteImages.resolve(remoteImageUrls(payload), options);
  }

  /** Forgets which warnings were given (`once` mode) and which remote images failed to load. */
  reset(): void {
    this.warnings.reset();
    this.remoteImages.forgetFailures();
  }

  private countingFor(modelValue: unknown, endpoint: EstimableEndpoint): PayloadCounting {
    const model = typeof modelValue === 'string' ? modelValue : '';
    let entry = this.counting.get(model);
    if (!entry) {
      entry = this.newCounting(model);
      this.counting.set(model, entry);
    }
    const { families, counting } = entry;
    if (!families.knownEncoding) counting.warn(`Unknown model '${model}': counting tokens with the ${families.encoding} encoding`);
    if (!families.knownCore && endpoint !== '/v1/embeddings') {
      counting.warn(`Unknown model '${model}': assuming the message overheads of gpt-4o`);
    }
    return counting;
  }

  private newCounting(model: string): { families: ModelFamilies; counting: PayloadCounting } {
    const families = familiesOf(model);
    const warn = (message: string): void => this.warnings.warn(message);
    const image = families.image;
    const counting: PayloadCounting = {
      model,
      core: families.core,
      func: families.func,
      counter: tokenCounterFor(families.encoding),
      warn,
      imageTokens: (reference) => {
        if (!image.supported) warn(`Model '${model}' is not known to accept images: counting them with the gpt-4o constants`);
        return this.imageTokens(reference, image.config, warn);
      },
    };
    return { families, counting };
  }

  private imageTokens(reference: ImageReference, config: ImageTokensConfig, warn: (message: string) => void): number {
    if (reference.detail === 'low') return config.lowTokens;
    const lookup = this.imageSize(reference, warn);
    if (lookup === 'worstCase') return worstCaseImageTokens(reference.detail, config);
    if (lookup === 'uncounted') return 0;
    if (lookup.width <= 0 || lookup.height <= 0) {
      warn(`Image of size ${lookup.width}x${lookup.height}: counting 0 tokens`);
      return 0;
    }
    if (reference.detail === 'auto') {
      warn('Image detail "auto" cannot be predicted: assuming low detail for images of one tile, high detail otherwise');
    }
    return sizedImageTokens(lookup, reference.detail, config, this.imageSizing);
  }

  /**
   * The image's size, or how to count an image without one: `worstCase` while it is merely unknown, `uncounted`
   * (0 tokens) when it cannot be read at all. Both warn.
   */
  private imageSize(reference: ImageReference, warn: (message: string) => void): ImageSize | 'worstCase' | 'uncounted' {
    const url = reference.url;
    if (url === undefined) {
      warn('Image given by file id has an unknown size: counting the worst case for its detail');
      return 'worstCase';
    }
    const payloadStart = base64DataUrlPayloadStart(url);
    if (payloadStart >= 0) {
      const read = imageSizeFromDataUrl(url, payloadStart);
      if ('size' in read) return read.size;
      warn(`${read.error}: counting 0 tokens`);
      return 'uncounted';
    }
    if (!isFetchableUrl(url)) {
      warn(`Image URL ${shortUrl(url)} is neither a base64 data URL (data:<type>;base64,<data>) nor an http(s) URL: counting 0 tokens`);
      return 'uncounted';
    }
    const entry = this.remoteImages.get(url);
    if (entry?.kind === 'size') return entry.size;
    if (entry?.kind === 'failed') {
      warn(`Cannot read the size of the image ${shortUrl(url)} (${entry.reason}): counting 0 tokens`);
      return 'uncounted';
    }
    // No URL in this text: with many distinct unresolved images, `once` mode would otherwise remember each one.
    warn('Size of a remote image is not known yet (its size was not fetched): counting the worst case for its detail');
    return 'worstCase';
  }
}

/** The http(s) image URLs of a chat (`messages`) or responses (`input`) body. */
function remoteImageUrls(payload: Record<string, unknown>): string[] {
  const urls: string[] = [];
  const sources: [unknown, PartReader][] = [
    [payload.messages, readChatPart],
    [payload.input, readResponsesPart],
  ];
  for (const [messages, readPart] of sources) {
    if (!Array.isArray(messages)) continue;
    for (const message of messages) {
      const content = isJsonObject(message) ? message.content : undefined;
      if (!Array.isArray(content)) continue;
      for (const raw of content) {
        const part = readPart(raw);
        if (part.kind === 'image' && part.image.url !== undefined && isFetchableUrl(part.image.url)) urls.push(part.image.url);
      }
    }
  }
  return urls;
}
