import assert from 'node:assert/strict';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { buildRankTable, encoderFilePath, JsBpe, jsEncodable } from '../../../src/engine/tokens/jsBpe';
import { RankTable } from '../../../src/engine/tokens/rankTable';
import { pretokenizerPatterns } from '../../../src/engine/tokens/pieceCounts';
import { tokenCounterFor } from '../../../src/engine/tokens/tokenCounter';

/** A small seeded generator, so that a failure reproduces. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  return (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

const words = ['the', ' quick', 'Brown', 'FOX', "isn't", "THEY'RE", 'camelCaseWord', 'x86_64', '0x1F', '{"key":', ' [1, 2]', '\r\n', '\t\t', '    ', '=>', '!==', 'https://example.com/a?b=c'];

/** Texts of every kind: any code point below `limit`, words, code, long runs of one character. */
function texts(count: number, seed: number, limit: number): string[] {
  const random = randomSource(seed);
  const anyChar = () => String.fromCharCode(random(4) === 0 ? random(limit) : random(128)).replace('\u0085', '\u0084');
  const part = () => (random(3) === 0 ? anyChar().repeat(1 + random(40)) : random(2) === 0 ? (words[random(words.length)] as string) : anyChar());
  return Array.from({ length: count }, () => Array.from({ length: 1 + random(30) }, part).join(''));
}

function tiktokenTruncate(encoder: Tiktoken, text: string, maxTokens: number): string {
  return new TextDecoder().decode(encoder.decode(encoder.encode_ordinary(text).slice(0, maxTokens))).replace(/\uFFFD+$/, '');
}

describe('byte-pair encoding in JavaScript', () => {
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    describe(encoding, () => {
      let encoder: Tiktoken;
      let bpe: JsBpe;
      before(() => {
        encoder = get_encoding(encoding);
        bpe = new JsBpe(encoding, pretokenizerPatterns[encoding] as string);
      });
      after(() => encoder.free());

      it("gives tiktoken's tokens for ASCII text and text of any code point below U+0800", () => {
        for (const text of [...texts(3000, 11, 0x80), ...texts(3000, 13, 0x800), '', ' '.repeat(3000), '-'.repeat(2000) + 'x', 'a'.repeat(1500)]) {
          assert.deepEqual(bpe.encode(text), [...encoder.encode_ordinary(text)], JSON.stringify(text));
        }
      });

      it("gives tiktoken's tokens with its rank table read back from the serialised form the build ships", () => {
        const serialised = buildRankTable(encoderFilePath(encoding)).serialize();
        // At an offset that is not a multiple of 4, as a buffer read from a file may be.
        const unaligned = new Uint8Array(serialised.length + 1).subarray(1);
        unaligned.set(serialised);
        for (const buffer of [serialised, unaligned]) {
          const table = RankTable.deserialize(buffer);
          assert.ok(table);
          const readBack = new JsBpe(encoding, pretokenizerPatterns[encoding] as string, table);
          for (const text of [...texts(1000, 17, 0x80), ...texts(1000, 19, 0x800)]) assert.deepEqual(readBack.encode(text), [...encoder.encode_ordinary(text)], JSON.stringify(text));
        }
      });

      it('reads no rank table from a buffer of another format or cut short, so the table is built afresh', () => {
        const serialised = buildRankTable(encoderFilePath(encoding)).serialize();
        const otherMagic = serialised.slice();
        otherMagic[0] = (otherMagic[0] as number) ^ 0xff;
        for (const buffer of [serialised.subarray(0, serialised.length - 1), otherMagic, new Uint8Array(8), new Uint8Array(0)]) assert.equal(RankTable.deserialize(buffer), undefined);
      });

      it('splits every code point below U+0800 as tiktoken does, between letters, digits, spaces and marks', () => {
        for (let codePoint = 0; codePoint < 0x800; codePoint++) {
          const char = String.fromCharCode(codePoint);
          if (!jsEncodable.test(char)) continue;
          for (const text of [char, `a${char}b`, ` ${char}${char}1`, `A${char}'s`, `${char}\u0301 x`, `1${char}.\n`, `\u05d0${char}\u0430`]) {
            assert.deepEqual(bpe.encode(text), [...encoder.encode_ordinary(text)], JSON.stringify(text));
          }
        }
      });

      it("cuts text after as many whole tokens as tiktoken's decoded prefix", () => {
        const random = randomSource(5);
        for (const text of texts(1000, 23, 0x800)) {
          const total = encoder.encode_ordinary(text).length;
          const maxTokens = random(total + 2);
          assert.equal(bpe.truncate(text, maxTokens), tiktokenTruncate(encoder, text, maxTokens), `${maxTokens} of ${JSON.stringify(text)}`);
        }
      });

      it('counts texts repeated in many requests as tiktoken does, however often they repeat and however many there are', () => {
        const counter = tokenCounterFor(encoding);
        const prompts = texts(400, 29, 0x800).map((text) => `You are a careful annotator. ${text}`.repeat(20 + (text.length % 40)));
        assert.ok(prompts.reduce((sum, p) => sum + p.length, 0) > 1_500_000, 'more characters than the counter remembers, so it forgets on the way');
        for (let round = 0; round < 2; round++) for (const prompt of prompts) assert.equal(counter.count(prompt), encoder.encode_ordinary(prompt).length);
      });

      it('counts, encodes and truncates text of other code points (U+0085, from U+0800 on) with tiktoken', () => {
        const counter = tokenCounterFor(encoding);
        for (const text of ['Grüße aus München: 東京タワー and café — ok', 'A\u0085 next line']) {
          assert.equal(counter.count(text), encoder.encode_ordinary(text).length);
          assert.deepEqual([...(counter.encode(text) as Uint32Array)], [...encoder.encode_ordinary(text)]);
          assert.equal(counter.truncate(text, 4), tiktokenTruncate(encoder, text, 4));
        }
      });
    });
  }
});
