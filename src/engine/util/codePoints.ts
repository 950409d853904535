/**
 * String helpers that work on Unicode code points rather than UTF-16 code units, so that sample keys, counts and
 * sort orders agree with the Python original (whose strings are sequences of code points) and do not depend on how
 * astral characters happen to be encoded in JavaScript.
 */

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Orders two strings by code point (negative, zero or positive, like a sort comparator). Differs from the default
 * UTF-16 order when one string has an astral character (U+10000 and above) where the other has U+E000–U+FFFF.
 * Lone surrogates compare as their own code point.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const shared = Math.min(a.length, b.length);
  let i = 0;
  while (i < shared && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === shared) return a.length < b.length ? -1 : 1;
  // The first differing unit may be the second half of a pair whose first half both strings share.
  if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) {
    const pointA = a.codePointAt(i - 1) as number;
    const pointB = b.codePointAt(i - 1) as number;
    if (pointA !== pointB) return pointA < pointB ? -1 : 1;
  }
  return (a.codePointAt(i) as number) < (b.codePointAt(i) as number) ? -1 : 1;
}

/** The first `count` code points of `text` (all of it when it is shorter); never splits a surrogate pair. */
export function firstCodePoints(text: string, count: number): string {
  let end = 0;
  for (let taken = 0; taken < count && end < text.length; taken++) {
    end += isHighSurrogate(text.charCodeAt(end)) && isLowSurrogate(text.charCodeAt(end + 1)) ? 2 : 1;
  }
  return text.slice(0, end);
}

/** The number of code points in `text` (astral characters count once). */
export function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (!(isLowSurrogate(text.charCodeAt(i)) && i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) count++;
  }
  return count;
}

/**
 * How many non-overlapping times `needle` occurs in `haystack`, counting only matches that start and end on code
 * point boundaries (a lone-surrogate needle never matches half of a pair). Throws a RangeError for an empty needle,
 * whose count has no useful meaning.
 */
export function countOccurrences(haystack: string, needle: string): number {
  if (needle.length === 0) throw new RangeError('countOccurrences: the needle must not be empty');
  const startsWithLow = isLowSurrogate(needle.charCodeAt(0));
  const endsWithHigh = isHighSurrogate(needle.charCodeAt(needle.length - 1));
  let count = 0;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return count;
    const end = at + needle.length;
    const splitsBefore = startsWithLow && at > 0 && isHighSurrogate(haystack.charCodeAt(at - 1));
    const splitsAfter = endsWithHigh && isLowSurrogate(haystack.charCodeAt(end));
    if (splitsBefore || splitsAfter) {
      from = at + 1;
    } else {
      count++;
      from = end;
    }
  }
}

/**
 * The whitespace set of Python's `str.isspace()`: bidirectional classes WS, B and S plus category Zs. It differs
 * from JavaScript's `\s`, which lacks U+001C–U+001F and U+0085 and includes U+FEFF.
 */
const whitespaceClass =
  '\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const singleWhitespace = new RegExp(`^[${whitespaceClass}]$`);
const surroundingWhitespace = new RegExp(`^[${whitespaceClass}]+|[${whitespaceClass}]+$`, 'g');

/** True iff `char` is exactly one code point and that code point is Unicode whitespace (Python `isspace`). */
export function isUnicodeWhitespace(char: string): boolean {
  return singleWhitespace.test(char);
}

/** `text` without leading and trailing Unicode whitespace (Python `str.strip()` with no arguments). */
export function trimUnicode(text: string): string {
  return text.replace(surroundingWhitespace, '');
}
