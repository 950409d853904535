import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/shared/errors';
import { OpinionAdviser } from '../../../src/engine/taskManager/opinionAdviser';

describe('OpinionAdviser', () => {
  const adviser = new OpinionAdviser(3, 5, 0.78);

  it('asks for the worked-example numbers of responses', () => {
    const cases: Array<[number, string[], number]> = [
      [0, [], 3],
      [0, ['a', 'a', 'a'], 3],
      [0, ['a', 'a', 'b'], 5],
      [0, ['a', 'a', 'a', 'a', 'b'], 5],
      [0, ['a', 'a', 'a', 'b', 'b'], 5],
      [1, [], 4],
      [3, [], 5],
      [5, [], 5],
    ];
    for (const [failed, opinions, expected] of cases) {
      assert.equal(adviser.minResponsesRequired(failed, opinions), expected, `${failed} failed, [${opinions}]`);
    }
  });

  it('concludes confidently, by exhausting the budget, or not at all', () => {
    const confident = adviser.getConclusion(0, ['a', 'a', 'a']);
    assert.equal(confident.haveConclusion, true);
    assert.equal(confident.isConfident, true);
    assert.equal(confident.top, 'a');
    assert.equal(confident.topCount, 3);

    const open = adviser.getConclusion(0, ['a', 'a', 'b']);
    assert.equal(open.haveConclusion, false);
    assert.equal(open.isConfident, false);

    const fourOfFive = adviser.getConclusion(0, ['a', 'a', 'a', 'a', 'b']);
    assert.equal(fourOfFive.isConfident, true, '0.8 reaches 0.78');

    const split = adviser.getConclusion(0, ['a', 'a', 'a', 'b', 'b']);
    assert.equal(split.haveConclusion, true);
    assert.equal(split.isConfident, false);

    const allFailed = adviser.getConclusion(5, []);
    assert.equal(allFailed.haveConclusion, true);
    assert.equal(allFailed.isConfident, false);
    assert.equal(allFailed.top, null);
    assert.equal(allFailed.topCount, 0);

    assert.equal(adviser.getConclusion(2, ['a', 'a']).haveConclusion, false, 'two opinions are below opinions_min');
  });

  it('lets the first-seen opinion win a tie and counts every opinion', () => {
    const tally = adviser.resolveOpinions(['b', 'a', 'a', 'b', 'c']);
    assert.equal(tally.top, 'b');
    assert.equal(tally.topCount, 2);
    assert.deepEqual([...tally.counts], [['b', 2], ['a', 2], ['c', 1]]);
    assert.equal(adviser.resolveOpinions([]).top, null);
  });

  it('rejects configurations that cannot work', () => {
    for (const [min, max, confidence] of [
      [0, 5, 0.5],
      [3, 2, 0.5],
      [3, 5, 1.0],
      [3, 5, 0],
      [1.5, 5, 0.5],
      [3, 5, Number.NaN],
    ] as const) {
      assert.throws(() => new OpinionAdviser(min, max, confidence), InvalidInputError, `${min}, ${max}, ${confidence}`);
    }
    assert.doesNotThrow(() => new OpinionAdviser(1, 1, 0.5));
  });

  it('rejects a negative failure count', () => {
    assert.throws(() => adviser.minResponsesRequired(-1, []), RangeError);
  });
});
