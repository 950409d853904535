import type { Tiktoken, TiktokenEncoding } from 'tiktoken';
import { JsBpe, jsEncodable } from './jsBpe';
import { PieceCounts, pretokenizerPatterns } from './pieceCounts';

/** Strings up to this length are counted once and remembered: roles, names, schema keys, titles, enum values. */
const shortTextLength = 48;
const shortTextCacheEntries = 20_000;
/**
 * Longer strings up to this length are remembered too, up to `longTextCacheChars` characters in all: a system prompt,
 * instructions or few-shot examples repeated in every request are then counted once instead of once per request.
 */
const longTextLength = 16_384;
const longTextCacheChars = 1_000_000;
const utf8 = new TextDecoder();

/**
 * tiktoken, loaded on first use: loading compiles its WASM module (some 20 MB of memory) and each encoder holds its
 * whole vocabulary in WASM memory, which never shrinks, so a run whose texts are all `jsEncodable` never loads it.
 */
function tiktokenEncoder(encoding: TiktokenEncoding): Tiktoken {
  const { get_encoding } = require('tiktoken') as typeof import('tiktoken');
  return get_encoding(encoding);
}

/**
 * Counts BPE tokens of one encoding. Special-token text such as `<|endoftext|>` counts as ordinary text, so no
 * input can make counting fail. `jsEncodable` text of an encoding with a JavaScript split pattern is encoded by
 * `JsBpe`, other text by tiktoken, loaded when first needed. Both give the same tokens.
 */
export class TokenCounter {
  /** The token of a lone space and of a lone period, which the text-join rule looks for. */
  readonly spaceToken: number;
  readonly periodToken: number;
  private readonly shortCounts = new Map<string, number>();
  private readonly longCounts = new Map<string, number>();
  private longCountsChars = 0;
  private readonly js: { bpe: JsBpe; pieces: PieceCounts } | undefined;
  private tiktoken: Tiktoken | undefined;

  constructor(private readonly encoding: TiktokenEncoding) {
    const pattern = pretokenizerPatterns[encoding];
    if (pattern !== undefined) {
      const bpe = new JsBpe(encoding, pattern);
      this.js = { bpe, pieces: new PieceCounts(pattern, (piece) => bpe.countAsciiPiece(piece)) };
    }
    this.spaceToken = this.firstToken(' ');
    this.periodToken = this.firstToken('.');
  }

  /** Number of tokens of `text`. */
  count(text: string): number {
    if (text.length === 0) return 0;
    if (text.length > shortTextLength) return text.length > longTextLength ? this.countUncached(text) : this.countLong(text);
    const known = this.shortCounts.get(text);
    if (known !== undefined) return known;
    const counted = this.countUncached(text);
    // Clearing instead of evicting one entry keeps the hot path to a single lookup; a full cache only happens
    // with unusually many distinct short strings, and then refilling it is cheap.
    if (this.shortCounts.size >= shortTextCacheEntries) this.shortCounts.clear();
    this.shortCounts.set(text, counted);
    return counted;
  }

  private countLong(text: string): number {
    const known = this.longCounts.get(text);
    if (known !== undefined) return known;
    const counted = this.countUncached(text);
    if (this.longCountsChars + text.length > longTextCacheChars) {
      this.longCounts.clear();
      this.longCountsChars = 0;
    }
    this.longCounts.set(text, counted);
    this.longCountsChars += text.length;
    return counted;
  }

  private countUncached(text: string): number {
    const js = this.jsOf(text);
    if (js === undefined) return this.encoder().encode_ordinary(text).length;
    return js.pieces.count(text) ?? js.bpe.count(text);
  }

  /** The tokens of `text`. */
  encode(text: string): ArrayLike<number> {
    return this.jsOf(text)?.bpe.encode(text) ?? this.encoder().encode_ordinary(text);
  }

  /** `text` cut to its first `maxTokens` tokens (a multi-byte character split by the cut is dropped). */
  truncate(text: string, maxTokens: number): string {
    const js = this.jsOf(text);
    if (js !== undefined) return js.bpe.truncate(text, maxTokens);
    const tokens = this.encoder().encode_ordinary(text);
    if (tokens.length <= maxTokens) return text;
    return utf8.decode(this.encoder().decode(tokens.slice(0, Math.max(0, maxTokens)))).replace(/\uFFFD+$/, '');
  }

  private jsOf(text: string): { bpe: JsBpe; pieces: PieceCounts } | undefined {
    return this.js !== undefined && jsEncodable.test(text) ? this.js : undefined;
  }

  private encoder(): Tiktoken {
    this.tiktoken ??= tiktokenEncoder(this.encoding);
    return this.tiktoken;
  }

  private firstToken(text: string): number {
    const token = this.js?.bpe.singleToken(text) ?? this.encoder().encode_ordinary(text)[0];
    if (token === undefined) throw new Error(`Encoding ${this.encoding} has no token for '${text}'`);
    return token;
  }
}

// The vocabularies are large, so the process keeps exactly one counter per encoding.
const counters = new Map<TiktokenEncoding, TokenCounter>();

/** The shared counter of an encoding, created on first use. */
export function tokenCounterFor(encoding: TiktokenEncoding): TokenCounter {
  let counter = counters.get(encoding);
  if (!counter) {
    counter = new TokenCounter(encoding);
    counters.set(encoding, counter);
  }
  return counter;
}
