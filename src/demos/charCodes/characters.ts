/** An inclusive range of code points, named after its Unicode block. */
export interface CodePointRange {
  readonly block: string;
  readonly first: number;
  readonly last: number;
}

/** The blocks the char_codes demo describes, in the order their characters are requested. */
export const charCodesRanges: readonly CodePointRange[] = [
  { block: 'Basic Latin', first: 0x0000, last: 0x007f },
  { block: 'Latin-1 Supplement', first: 0x0080, last: 0x00ff },
  { block: 'Latin Extended-A', first: 0x0100, last: 0x017f },
  { block: 'Latin Extended-B', first: 0x0180, last: 0x024f },
  { block: 'IPA Extensions', first: 0x0250, last: 0x02af },
  { block: 'Spacing Modifier Letters', first: 0x02b0, last: 0x02ff },
  { block: 'Greek and Coptic', first: 0x0370, last: 0x03ff },
  { block: 'Cyrillic', first: 0x0400, last: 0x04ff },
  { block: 'Cyrillic Supplement', first: 0x0500, last: 0x052f },
];

/** Control, format, surrogate, private-use, unassigned, line/paragraph separator and space-separator characters. */
const nonPrintable = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/**
 * True iff `char` is printable in Python's sense: not in general category Cc, Cf, Cs, Co, Cn, Zl, Zp or Zs, except
 * that the ordinary space U+0020 counts as printable.
 */
export function isPrintableChar(char: string): boolean {
  return char === ' ' || !nonPrintable.test(char);
}

/** One character to describe, with its sample key. */
export interface CharCodesSample {
  /** `char-` followed by the character itself. */
  readonly key: string;
  readonly char: string;
}

/** The sample key of a character: `char-` followed by the character (`char-A`, `char- `). */
export function charSampleKey(char: string): string {
  return `char-${char}`;
}

/** The printable characters of one range, in code-point order. */
export function charCodesSamplesInRange(range: CodePointRange): CharCodesSample[] {
  const samples: CharCodesSample[] = [];
  for (let codePoint = range.first; codePoint <= range.last; codePoint++) {
    const char = String.fromCodePoint(codePoint);
    if (isPrintableChar(char)) samples.push({ key: charSampleKey(char), char });
  }
  return samples;
}

/** All 1140 samples of the demo, range by range in the order of `charCodesRanges`. */
export function charCodesSamples(): CharCodesSample[] {
  return charCodesRanges.flatMap(charCodesSamplesInRange);
}
