import { sortCharsByCodePoint } from './answers';
import type { UnicodeCharacterInfo } from './schema';

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
  const entries = [...sorted].map(([char, info]) => {
    const value = JSON.stringify(info, null, 2).replace(/\n/g, '\n    ');
    return `    ${JSON.stringify(char)}: ${value}`;
  });
  return `{\n  "chars": {\n${entries.join(',\n')}\n  }\n}\n`;
}
