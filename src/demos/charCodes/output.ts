import { sortCharsByCodePoint } from './answers';
import type { UnicodeCharacterInfo } from './schema';

/**
 * Each described character's pretty-printed JSON, by answer: the output is rewritten whole after every batch, and an
 * answer, once stored, never changes, so each is formatted once however many batches follow.
 */
const formattedAnswers = new WeakMap<UnicodeCharacterInfo, string>();

function formattedAnswer(info: UnicodeCharacterInfo): string {
  let text = formattedAnswers.get(info);
  if (text === undefined) {
    text = JSON.stringify(info, null, 2).replace(/\n/g, '\n    ');
    formattedAnswers.set(info, text);
  }
  return text;
}

/**
 * The text of the char_codes output file, `{"chars": {...}}`, pretty-printed with an indent of 2 and non-ASCII kept,
 * with the characters in code-point order. Written by hand because `JSON.stringify` of an object would move the
 * digit keys "0"–"9" in front of punctuation such as "!".
 */
export function formatCharCodesOutput(
  chars: ReadonlyMap<string, UnicodeCharacterInfo> | Readonly<Record<string, UnicodeCharacterInfo>>,
): string {
  const sorted = sortCharsByCodePoint(chars);
  if (sorted.size === 0) return '{\n  "chars": {}\n}\n';
  const entries = [...sorted].map(([char, info]) => `    ${JSON.stringify(char)}: ${formattedAnswer(info)}`);
  return `{\n  "chars": {\n${entries.join(',\n')}\n  }\n}\n`;
}
