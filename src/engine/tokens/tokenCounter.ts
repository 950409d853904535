import { get_encoding, type Tiktoken, type TiktokenEncoding } from 'tiktoken';
import { PieceCounts, pretokenizerPatterns } from './pieceCounts';

/** Strings up to this length are counted once and remembered: roles, names, schema keys, titles, enum values. */
const shortTextLength = 48;
const shortTextCacheEntries = 20_000;

/**
 * Counts BPE tokens of one encoding. Special-token text such as `<|endoftext|>` counts as ordinary text, so no
 * input can make counting fail.
 */
export class TokenCounter {
  /** The token of a lone space and of a lone period, which the text-join rule looks for. */
  readonly spaceToken: number;
  readonly periodToken: number;
  private readonly shortCounts = new Map<string, number>();
  private readonly pieces: PieceCounts | undefined;

  /** `pretokenizerPattern`, the encoding's split pattern, lets texts be counted piece by piece. */
  constructor(
    private readonly encoder: Tiktoken,
    pretokenizerPattern?: string,
  ) {
    this.spaceToken = firstToken(encoder, ' ');
    this.periodToken = firstToken(encoder, '.');
    this.pieces = pretokenizerPattern === undefined ? undefined : new PieceCounts(pretokenizerPattern, (text) => encoder.encode_ordinary(text).length);
  }

  /** Number of tokens of `text`. */
  count(text: string): number {
    if (text.length === 0) return 0;
    if (text.length > shortTextLength) return this.countUncached(text);
    const known = this.shortCounts.get(text);
    if (known !== undefined) return known;
    const counted = this.countUncached(text);
    // Clearing instead of evicting one entry keeps the hot path to a single lookup; a full cache only happens
    // with unusually many distinct short strings, and then refilling it is cheap.
    if (this.shortCounts.size >= shortTextCacheEntries) this.shortCounts.clear();
    this.shortCounts.set(text, counted);
    return counted;
  }

  private countUncached(text: string): number {
    return this.pieces?.count(text) ?? this.encoder.encode_ordinary(text).length;
  }

  /** The tokens of `text`. */
  encode(text: string): Uint32Array {
    return this.encoder.encode_ordinary(text);
  }

  /** `text` cut to its first `maxTokens` tokens (a multi-byte character split by the cut is dropped). */
  truncate(text: string, maxTokens: number): string {
    const tokens = this.encoder.encode_ordinary(text);
    if (tokens.length <= maxTokens) return text;
    return utf8.decode(this.encoder.decode(tokens.slice(0, Math.max(0, maxTokens)))).replace(/\uFFFD+$/, '');
  }
}

const utf8 = new TextDecoder();

function firstToken(encoder: Tiktoken, text: string): number {
  const token = encoder.encode_ordinary(text)[0];
  if (token === undefined) throw new Error(`Encoding ${encoder.name ?? ''} has no token for '${text}'`);
  return token;
}

// Each encoder holds its whole BPE table in WASM memory, so the process keeps exactly one per encoding.
const counters = new Map<TiktokenEncoding, TokenCounter>();

/** The shared counter of an encoding, created on first use. */
export function tokenCounterFor(encoding: TiktokenEncoding): TokenCounter {
  let counter = counters.get(encoding);
  if (!counter) {
    counter = new TokenCounter(get_encoding(encoding), pretokenizerPatterns[encoding]);
    counters.set(encoding, counter);
  }
  return counter;
}
