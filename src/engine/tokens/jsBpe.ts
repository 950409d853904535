import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RankTable } from './rankTable';

/** The folder beside the bundles where the build copies tiktoken's encoder files (see esbuild.js). */
export const bundledEncodersFolder = 'tiktoken-encoders';

/**
 * Text that `JsBpe` encodes: code points below U+0800 (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic and the
 * like, one or two bytes of UTF-8). Their Unicode properties have not changed since Unicode 11, so JavaScript's
 * character classes split such text exactly as tiktoken's Rust ones do, whatever Unicode version each was built
 * with; except U+0085 (next line), which Rust's `\s` matches and JavaScript's does not.
 */
export const jsEncodable = /^[\u0000-\u0084\u0086-\u07ff]*$/;

/** Tokens that text of `jsEncodable` can contain are made of bytes below 0xE0, the lead byte of 3-byte characters. */
const encodableByteLimit = 0xe0;
const noRank = Number.POSITIVE_INFINITY;

/** The encoder file beside the bundle, else the one of the tiktoken package (when running from the sources). */
export function encoderFilePath(encoding: string): string {
  const bundled = join(__dirname, bundledEncodersFolder, `${encoding}.json`);
  if (existsSync(bundled)) return bundled;
  try {
    return require.resolve(`tiktoken/encoders/${encoding}.json`);
  } catch {
    throw new Error(`tiktoken's encoder file ${bundled} is missing: it ships beside the bundle (npm run build copies it there); reinstall GPT Batch`);
  }
}

/** Where the build writes an encoding's serialised rank table (see `RankTable.serialize`), beside the encoder files. */
export function rankTableFilePath(folder: string, encoding: string): string {
  return join(folder, `${encoding}.ranks`);
}

/**
 * The rank table of an encoding: the one the build serialised beside the bundle when it is there and readable (a
 * few milliseconds), else built from tiktoken's encoder file (some 50 ms of CPU).
 */
function loadRankTable(encoding: string): RankTable {
  const prebuilt = rankTableFilePath(join(__dirname, bundledEncodersFolder), encoding);
  if (existsSync(prebuilt)) {
    const table = RankTable.deserialize(readFileSync(prebuilt));
    if (table !== undefined) return table;
  }
  return buildRankTable(encoderFilePath(encoding));
}

/** The rank table of the tokens `jsEncodable` text can contain, read from tiktoken's encoder file at `path`. */
export function buildRankTable(path: string): RankTable {
  // Read in place, token by token, without arrays or buffers of 200,000 entries and without a parsed copy of the
  // file: building the table is otherwise the moment of a run's highest memory. The ranks are a JSON string of
  // base64, digits and spaces, which need no unescaping.
  const ranks = readFileSync(path, 'latin1');
  const key = '"bpe_ranks":"';
  const valueStart = ranks.indexOf(key) + key.length;
  const valueEnd = ranks.indexOf('"', valueStart);
  if (valueStart < key.length || valueEnd < 0) throw new Error(`${path} has no bpe_ranks string; reinstall GPT Batch`);
  // Base64 takes 4 characters for 3 bytes, so the tokens' bytes fit in as many bytes as the file has characters.
  const table = new RankTable(valueEnd - valueStart);
  for (let lineStart = valueStart; lineStart < valueEnd; ) {
    // Lines would be separated by a JSON-escaped newline: a backslash and an n.
    const newline = ranks.indexOf('\\n', lineStart);
    const lineEnd = newline < 0 || newline > valueEnd ? valueEnd : newline;
    const firstStart = ranks.indexOf(' ', lineStart) + 1;
    let tokenStart = ranks.indexOf(' ', firstStart) + 1;
    let rank = Number.parseInt(ranks.slice(firstStart, tokenStart - 1), 10);
    while (tokenStart > 0 && tokenStart < lineEnd) {
      const next = ranks.indexOf(' ', tokenStart);
      const tokenEnd = next < 0 || next > lineEnd ? lineEnd : next;
      table.addBase64(ranks, tokenStart, tokenEnd, rank, encodableByteLimit);
      rank += 1;
      tokenStart = tokenEnd + 1;
    }
    lineStart = lineEnd + 2;
  }
  table.seal();
  return table;
}

/** The UTF-8 bytes of `text` as a string of one character per byte (what the rank keys are). */
function utf8Bytes(text: string, ascii: boolean): string {
  return ascii ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/**
 * tiktoken's byte-pair encoding of `jsEncodable` text, in JavaScript. Only the ranks of tokens such text can merge
 * into are kept, packed in a `RankTable` (some 4 MB for o200k_base), where a tiktoken encoder holds its whole
 * vocabulary in WASM memory (some 55 MB for o200k_base, which WASM never gives back) after 20 MB of compiled WASM
 * module. The merge order is tiktoken's: always the adjacent pair of lowest rank, the leftmost of equals, so the
 * tokens are the same.
 */
export class JsBpe {
  private readonly ranks: RankTable;
  private readonly splitter: RegExp;

  /**
   * `pretokenizerPattern` is the encoding's split pattern as a JavaScript regular expression; `ranks` the encoding's
   * table of `buildRankTable`, by default the one beside the bundle or else built from tiktoken's encoder file.
   */
  constructor(encoding: string, pretokenizerPattern: string, ranks: RankTable = loadRankTable(encoding)) {
    this.splitter = new RegExp(pretokenizerPattern, 'gu');
    this.ranks = ranks;
  }

  /** The rank of the token of bytes `bytes.slice(start, end)`, or `noRank`. */
  private rankOf(bytes: string, start: number, end: number): number {
    const rank = this.ranks.rank(bytes, start, end);
    return rank < 0 ? noRank : rank;
  }

  /** The token of `text` when it is a single token. */
  singleToken(text: string): number | undefined {
    const bytes = utf8Bytes(text, false);
    const rank = this.rankOf(bytes, 0, bytes.length);
    return rank === noRank ? undefined : rank;
  }

  /** The tokens of `jsEncodable` text. */
  encode(text: string): number[] {
    const tokens: number[] = [];
    this.eachPiece(text, (bytes, bounds) => {
      for (let i = 0; i + 1 < bounds.length; i++) tokens.push(this.rankOf(bytes, bounds[i] as number, bounds[i + 1] as number));
    });
    return tokens;
  }

  /** The number of tokens of one pre-tokenizer piece of ASCII text. */
  countAsciiPiece(piece: string): number {
    return this.rankOf(piece, 0, piece.length) !== noRank ? 1 : this.merge(piece).length - 1;
  }

  /** The number of tokens of `jsEncodable` text. */
  count(text: string): number {
    let total = 0;
    this.eachPiece(text, (_, bounds) => {
      total += bounds.length - 1;
    });
    return total;
  }

  /** `jsEncodable` text cut to its first `maxTokens` tokens (a character split by the cut is dropped). */
  truncate(text: string, maxTokens: number): string {
    let bytes = 0;
    let left = Math.max(0, maxTokens);
    let cut: number | undefined;
    this.eachPiece(text, (pieceBytes, bounds) => {
      if (cut !== undefined) return;
      const tokens = bounds.length - 1;
      if (tokens > left) cut = bytes + (bounds[left] as number);
      left -= tokens;
      bytes += pieceBytes.length;
    });
    if (cut === undefined) return text;
    return Buffer.from(text, 'utf8').subarray(0, cut).toString('utf8').replace(/\uFFFD+$/, '');
  }

  /** Calls `visit` with the bytes of each piece of `text` and its token boundaries (byte offsets, 0 to its length). */
  private eachPiece(text: string, visit: (bytes: string, bounds: number[]) => void): void {
    const ascii = text.length === Buffer.byteLength(text, 'utf8');
    for (const piece of text.match(this.splitter) ?? []) {
      const bytes = utf8Bytes(piece, ascii);
      visit(bytes, this.rankOf(bytes, 0, bytes.length) !== noRank ? [0, bytes.length] : this.merge(bytes));
    }
  }

  /**
   * The token boundaries of a piece's bytes after merging: offsets from 0 to its length. `pairRanks[i]` is the rank
   * of the token that merging parts i and i + 1 would make; after a merge only the two pairs around it change.
   */
  private merge(bytes: string): number[] {
    const bounds: number[] = [];
    for (let i = 0; i <= bytes.length; i++) bounds.push(i);
    const pairRank = (i: number) => (i + 2 < bounds.length ? this.rankOf(bytes, bounds[i] as number, bounds[i + 2] as number) : noRank);
    const pairRanks = bounds.map((_, i) => pairRank(i));
    for (;;) {
      let best = -1;
      let bestRank = noRank;
      for (let i = 0; i < pairRanks.length; i++) {
        const rank = pairRanks[i] as number;
        if (rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) return bounds;
      bounds.splice(best + 1, 1);
      pairRanks.splice(best + 1, 1);
      pairRanks[best] = pairRank(best);
      if (best > 0) pairRanks[best - 1] = pairRank(best - 1);
    }
  }
}
