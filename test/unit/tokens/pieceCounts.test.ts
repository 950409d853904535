import assert from 'node:assert/strict';
import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import cl100k from 'tiktoken/encoders/cl100k_base';
import o200k from 'tiktoken/encoders/o200k_base';
import { PieceCounts, pretokenizerPatterns } from '../../../src/engine/tokens/pieceCounts';
import { tokenCounterFor } from '../../../src/engine/tokens/tokenCounter';

/** A small seeded generator, so that a failure reproduces. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  return (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

// Pieces that exercise every alternative of the patterns: contractions, digit runs, punctuation runs with
// newlines and slashes, runs of spaces before words and at the end, tabs, CRLF.
const fragments = [
  'hello', 'World', 'HTML', 'camelCase', "don't", "WE'LL", "it's", "'S", '12', '1234567', '3.14', ' ', '  ', '   ', '\t',
  '\n', '\r\n', '\n\n', ' \n ', '.', '...', '!?', ' //', '/*', '</div>', '{"a": 1}', '$x', '_id', '-', ' - ', "''", '@',
  ' the', ' of', 'ASCII', 'x', 'y2k', '\u000b', '\f',
];

function texts(count: number, seed: number): string[] {
  const random = randomSource(seed);
  return Array.from({ length: count }, () => Array.from({ length: 1 + random(12) }, () => fragments[random(fragments.length)]).join(''));
}

describe('token counting piece by piece', () => {
  for (const [encoding, upstream] of [
    ['o200k_base', o200k.pat_str],
    ['cl100k_base', cl100k.pat_str],
  ] as const) {
    it(`${encoding}: the pattern is tiktoken's own`, () => {
      const spelledOut = upstream.replaceAll("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])");
      assert.equal(pretokenizerPatterns[encoding], spelledOut);
    });

    it(`${encoding}: counts exactly what tiktoken counts`, () => {
      const encoder = get_encoding(encoding as TiktokenEncoding);
      const pieces = new PieceCounts(pretokenizerPatterns[encoding] as string, (text) => encoder.encode_ordinary(text).length);
      const counter = tokenCounterFor(encoding);
      try {
        for (const text of [...texts(3000, 7), ...texts(3000, 7), 'a' + ' '.repeat(200) + 'b', ' '.repeat(100), '']) {
          const expected = encoder.encode_ordinary(text).length;
          assert.equal(pieces.count(text), expected, JSON.stringify(text));
          assert.equal(counter.count(text), expected, JSON.stringify(text));
        }
      } finally {
        encoder.free();
      }
    });
  }

  it('leaves text that is not ASCII to the encoder, which counts it whole', () => {
    const pieces = new PieceCounts(pretokenizerPatterns.o200k_base as string, () => assert.fail('not encoded piece by piece'));
    assert.equal(pieces.count('München 東京 café'), undefined);
    assert.equal(tokenCounterFor('o200k_base').count('München 東京 café, a much longer text than the short-text cache keeps'), 16);
  });
});
