import type { TiktokenEncoding } from 'tiktoken';

/**
 * tiktoken's pre-tokenizer patterns (the `pat_str` of its encoders), rewritten for JavaScript: the case-insensitive
 * group `(?i:'s|'t|'re|'ve|'m|'ll|'d)` is spelled out, since a JavaScript `i` flag would also make `\p{Lu}` match
 * lower case.
 */
const contractions = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
export const pretokenizerPatterns: Partial<Record<TiktokenEncoding, string>> = {
  o200k_base:
    `[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+${contractions}?` +
    `|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*${contractions}?` +
    '|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+',
  cl100k_base: `${contractions}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
};

// Only ASCII text takes the piece path: there JavaScript's and Rust's character classes (\s, \p{L}, ...) cannot
// differ, whatever Unicode version each was built with.
const asciiOnly = /^[\x00-\x7f]*$/;
const maxCachedPieceLength = 64;
const maxCachedPieces = 100_000;

/**
 * Token counts of text split the way tiktoken splits it before BPE, remembering the count of every piece. BPE
 * works on each piece alone, so a text's count is the sum of its pieces' counts; a piece is only encoded the first
 * time it is seen, which for natural text is rare after a few thousand requests and far cheaper than encoding
 * every text in WASM.
 */
export class PieceCounts {
  private readonly allPieces: RegExp;
  private readonly wholePiece: RegExp;
  private readonly counts = new Map<string, number>();

  /** `encodedLength` is the encoder's own count of a text (`encode_ordinary(text).length`). */
  constructor(
    pattern: string,
    private readonly encodedLength: (text: string) => number,
  ) {
    this.allPieces = new RegExp(pattern, 'gu');
    this.wholePiece = new RegExp(pattern, 'uy');
  }

  /** The number of tokens of `text`, or undefined when it must be encoded whole (text that is not ASCII). */
  count(text: string): number | undefined {
    if (!asciiOnly.test(text)) return undefined;
    const pieces = text.match(this.allPieces);
    if (pieces === null) return 0;
    let total = 0;
    for (const piece of pieces) {
      const known = this.counts.get(piece);
      if (known !== undefined) {
        total += known;
        continue;
      }
      const counted = this.countPiece(piece);
      if (counted === undefined) return undefined;
      total += counted;
    }
    return total;
  }

  private countPiece(piece: string): number | undefined {
    // A piece cut short by a look-ahead in its text (`\s+(?!\S)`) may be split differently alone, and encoding it
    // alone would then not give its tokens within the text.
    this.wholePiece.lastIndex = 0;
    if (this.wholePiece.exec(piece)?.[0].length !== piece.length) return undefined;
    const counted = this.encodedLength(piece);
    if (piece.length <= maxCachedPieceLength) {
      // As in the short-text cache: clearing keeps the hit path to one lookup, and refilling is cheap.
      if (this.counts.size >= maxCachedPieces) this.counts.clear();
      this.counts.set(piece, counted);
    }
    return counted;
  }
}
