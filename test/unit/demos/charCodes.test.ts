import assert from 'node:assert/strict';
import { checkCharacterAnswer, sortCharsByCodePoint } from '../../../src/demos/charCodes/answers';
import { charCodesRanges, charCodesSamples, isPrintableChar } from '../../../src/demos/charCodes/characters';
import { formatCharCodesOutput } from '../../../src/demos/charCodes/output';
import { charCodesDefaultMeta, charCodesPayload } from '../../../src/demos/charCodes/requests';
import type { UnicodeCharacterInfo } from '../../../src/demos/charCodes/schema';
import { isUnicodeCharacterInfo, unicodeCharacterInfoSchema } from '../../../src/demos/charCodes/schema';
import { checkStrictSchema } from '../../../src/engine/schema/strict';
import { validateJson } from '../../../src/engine/schema/validate';

function info(character: string, sampleSentence: string): UnicodeCharacterInfo {
  return { character, type: 'letter', description: 'A letter.', sample_sentence: sampleSentence };
}

describe('char_codes demo parts', () => {
  describe('samples', () => {
    const samples = charCodesSamples();

    it('enumerates exactly 1140 printable characters with distinct keys in range order', () => {
      assert.equal(samples.length, 1140);
      assert.equal(new Set(samples.map((sample) => sample.key)).size, 1140);
      for (const { key, char } of samples) assert.equal(key, `char-${char}`);
      const codePoints = samples.map((sample) => sample.char.codePointAt(0) as number);
      assert.ok(codePoints.every((point, i) => i === 0 || point > (codePoints[i - 1] as number)));
      assert.equal(samples[0]?.char, ' ');
      assert.equal(samples.at(-1)?.char, '\u052f');
    });

    it('keeps the space and drops controls, no-break space, soft hyphen and unassigned Greek points', () => {
      const keys = new Set(samples.map((sample) => sample.key));
      assert.ok(keys.has('char- '));
      const excludedChars = ['\u0000', '\u001f', '\u007f', '\u009f', '\u00a0', '\u00ad', '\u0378', '\u0383', '\u03a2'];
      for (const excluded of excludedChars) {
        assert.ok(!keys.has(`char-${excluded}`), `U+${excluded.codePointAt(0)?.toString(16)}`);
      }
      assert.ok(isPrintableChar('A') && isPrintableChar(' ') && !isPrintableChar('\u2028'));
    });

    it('yields the per-range counts of the nine blocks', () => {
      const counts = charCodesRanges.map(
        (range) =>
          samples.filter((sample) => {
            const point = sample.char.codePointAt(0) as number;
            return point >= range.first && point <= range.last;
          }).length,
      );
      assert.deepEqual(counts, [95, 94, 128, 208, 96, 80, 135, 256, 48]);
    });
  });

  describe('requests', () => {
    it('quotes a whitespace character in the user message and leaves others bare', () => {
      const space = charCodesPayload(charCodesDefaultMeta, ' ');
      assert.deepEqual(space.messages[1], { role: 'user', content: 'Character: " "' });
      const letter = charCodesPayload(charCodesDefaultMeta, 'A');
      assert.deepEqual(letter.messages[1], { role: 'user', content: 'Character: A' });
    });

    it('takes the model parameters from the task meta and asks for the strict schema', () => {
      const meta = { ...charCodesDefaultMeta, model: 'local', max_completion_tokens: 99, temperature: 0, top_p: 1 };
      const payload = charCodesPayload(meta, '\u0416');
      assert.equal(payload.model, 'local');
      assert.equal(payload.max_completion_tokens, 99);
      assert.equal(payload.temperature, 0);
      assert.equal(payload.top_p, 1);
      assert.equal(payload.messages[0]?.role, 'system');
      assert.deepEqual(payload.response_format, {
        type: 'json_schema',
        json_schema: { name: 'UnicodeCharacterInfo', schema: unicodeCharacterInfoSchema, strict: true },
      });
    });

    it('uses the documented defaults', () => {
      assert.deepEqual(charCodesDefaultMeta, {
        model: 'gpt-4o-mini-2024-07-18',
        max_completion_tokens: 200,
        completion_ratio: 0.35,
        temperature: 0.2,
        top_p: 0.6,
      });
    });
  });

  describe('schema', () => {
    it('is strict and accepts only complete, correctly typed answers', () => {
      assert.doesNotThrow(() => checkStrictSchema(unicodeCharacterInfoSchema, 'UnicodeCharacterInfo'));
      assert.ok(isUnicodeCharacterInfo(info('A', 'A is A.')));
      assert.ok(!isUnicodeCharacterInfo({ ...info('A', 'A is A.'), type: 'vowel' }));
      assert.deepEqual(validateJson(unicodeCharacterInfoSchema, { ...info('A', 'x'), sample_sentence: 2 }), [
        '$.sample_sentence: expected string, got number',
      ]);
    });
  });

  describe('answers', () => {
    it('accepts a matching character used at least twice', () => {
      assert.equal(checkCharacterAnswer('A', info('A', 'Anna Ate an Apple.')), 'ok');
    });

    it('accepts a character surrounded by whitespace but rejects a different one', () => {
      assert.equal(checkCharacterAnswer('A', info(' A ', 'A and A')), 'ok');
      assert.equal(checkCharacterAnswer('A', info('\u00a0A\n', 'A and A')), 'ok');
      assert.equal(checkCharacterAnswer('A', info('B', 'A and A')), 'CharMismatch');
      assert.equal(checkCharacterAnswer(' ', info(' ', 'a b c')), 'ok');
    });

    it('rejects a sample sentence with the character only once, case-sensitively', () => {
      assert.equal(checkCharacterAnswer('A', info('A', 'An apple.')), 'TooFewChar');
      assert.equal(checkCharacterAnswer('a', info('a', 'AAA and A')), 'TooFewChar');
    });

    it('sorts characters by code point, digits after punctuation', () => {
      const chars = { A: 1, '0': 2, '!': 3, '\u0416': 4, a: 5 };
      assert.deepEqual([...sortCharsByCodePoint(chars).keys()], ['!', '0', 'A', 'a', '\u0416']);
    });

    it('writes the output file with keys in code-point order and non-ASCII kept', () => {
      const chars = { '\u0416': info('\u0416', '\u0416\u0416'), '7': info('7', '77'), '!': info('!', '!!') };
      const text = formatCharCodesOutput(chars);
      const parsed = JSON.parse(text) as { chars: Record<string, UnicodeCharacterInfo> };
      assert.deepEqual(parsed.chars['7'], info('7', '77'));
      const keyOrder = [...text.matchAll(/^ {4}"(.+)": \{$/gm)].map((match) => match[1]);
      assert.deepEqual(keyOrder, ['!', '7', '\u0416']);
      assert.ok(text.includes('"sample_sentence": "\u0416\u0416"'));
      assert.ok(text.startsWith('{\n  "chars": {\n    "!": {\n      "character": "!",\n'));
      assert.equal(formatCharCodesOutput({}), '{\n  "chars": {}\n}\n');
    });
  });
});
