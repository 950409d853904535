import { compareCodePoints, countOccurrences, trimUnicode } from '../../engine';
import type { UnicodeCharacterInfo } from './schema';

/** The verdict on a parsed answer: usable, or the task-specific error subtype to report. */
export type CharacterAnswerVerdict = 'ok' | 'CharMismatch' | 'TooFewChar';

/**
 * Judges a parsed answer for `char`: `CharMismatch` when the returned character differs from `char` both as given
 * and with surrounding Unicode whitespace trimmed; otherwise `TooFewChar` when the sample sentence contains `char`
 * fewer than twice (counted in code points, case-sensitive); otherwise `ok`.
 */
export function checkCharacterAnswer(
  char: string,
  parsed: Pick<UnicodeCharacterInfo, 'character' | 'sample_sentence'>,
): CharacterAnswerVerdict {
  if (parsed.character !== char && trimUnicode(parsed.character) !== char) return 'CharMismatch';
  if (countOccurrences(parsed.sample_sentence, char) < 2) return 'TooFewChar';
  return 'ok';
}

/**
 * The entries of `chars` ordered by code point of their keys. Returned as a Map because a plain object cannot hold
 * this order: JavaScript always puts integer-like keys such as "0"–"9" first.
 */
export function sortCharsByCodePoint<T>(chars: ReadonlyMap<string, T> | Readonly<Record<string, T>>): Map<string, T> {
  const entries = chars instanceof Map ? [...chars] : Object.entries(chars as Record<string, T>);
  entries.sort(([a], [b]) => compareCodePoints(a, b));
  return new Map(entries);
}
