import assert from 'node:assert/strict';
import {
  compareCodePoints,
  countCodePoints,
  countOccurrences,
  firstCodePoints,
  isUnicodeWhitespace,
  trimUnicode,
} from '../../../src/engine/util/codePoints';

const grin = '\u{1F600}'; // astral: two UTF-16 units
const privateUse = '\uE000'; // BMP, above the surrogate range

describe('code-point helpers', () => {
  describe('compareCodePoints', () => {
    it('puts an astral character after U+E000–U+FFFF, unlike the default UTF-16 order', () => {
      assert.ok(grin < privateUse, 'precondition: UTF-16 order differs');
      assert.ok(compareCodePoints(grin, privateUse) > 0);
      assert.ok(compareCodePoints(privateUse, grin) < 0);
      assert.deepEqual([grin, privateUse, 'a', 'ab', '!'].sort(compareCodePoints), ['!', 'a', 'ab', privateUse, grin]);
    });

    it('orders prefixes first, equal strings as 0, and differing low surrogates by code point', () => {
      assert.equal(compareCodePoints('abc', 'abc'), 0);
      assert.ok(compareCodePoints('ab', 'abc') < 0);
      assert.ok(compareCodePoints('\u{1F600}', '\u{1F601}') < 0);
      assert.ok(compareCodePoints('x\u{1F601}', 'x\u{1F600}') > 0);
    });

    it('treats lone surrogates as their own code points', () => {
      assert.ok(compareCodePoints('\uD800', privateUse) < 0);
      assert.ok(compareCodePoints('\uD83D', grin) < 0);
      assert.ok(compareCodePoints('\uD83Da', '\uD83Db') < 0);
    });
  });

  it('firstCodePoints never splits an astral character', () => {
    assert.equal(firstCodePoints(`${grin}${grin}abc`, 2), `${grin}${grin}`);
    assert.equal(firstCodePoints('abc', 10), 'abc');
    assert.equal(firstCodePoints('abc', 0), '');
    assert.equal(countCodePoints(`a${grin}b`), 3);
  });

  describe('countOccurrences', () => {
    it('counts non-overlapping matches', () => {
      assert.equal(countOccurrences('aaaa', 'aa'), 2);
      assert.equal(countOccurrences('A cat and a dog', 'a'), 3);
      assert.equal(countOccurrences(`${grin} and ${grin}`, grin), 2);
      assert.equal(countOccurrences('nothing here', 'z'), 0);
    });

    it('does not count a lone surrogate inside a surrogate pair', () => {
      assert.equal(countOccurrences(`${grin}\uD83D`, '\uD83D'), 1);
      assert.equal(countOccurrences(grin, '\uDE00'), 0);
    });

    it('rejects an empty needle', () => {
      assert.throws(() => countOccurrences('abc', ''), RangeError);
    });
  });

  it('recognises whitespace as Python does and trims it', () => {
    for (const char of [' ', '\t', '\n', '\u001c', '\u0085', '\u00a0', '\u2003', '\u3000']) {
      assert.ok(isUnicodeWhitespace(char), `U+${char.codePointAt(0)?.toString(16)}`);
    }
    for (const char of ['a', '\ufeff', '\u200b', '', '  ']) assert.ok(!isUnicodeWhitespace(char), JSON.stringify(char));
    assert.equal(trimUnicode('\u00a0\t A b \u3000\n'), 'A b');
    assert.equal(trimUnicode('\ufeffA'), '\ufeffA');
    assert.equal(trimUnicode('   '), '');
  });
});
