import assert from 'node:assert/strict';
import { buildUtteranceOutput, keepAfterWipeFailed } from '../../../src/demos/utteranceEmotion/conclusion';
import { utteranceDefaultMeta, utterancePayload } from '../../../src/demos/utteranceEmotion/requests';
import type { UtteranceEmotion, UtteranceInfo } from '../../../src/demos/utteranceEmotion/schema';
import { isUtteranceInfo, utteranceInfoSchema } from '../../../src/demos/utteranceEmotion/schema';
import { utteranceKey, utterances } from '../../../src/demos/utteranceEmotion/utterances';
import { checkStrictSchema } from '../../../src/engine/schema/strict';
import { countCodePoints } from '../../../src/engine/util/codePoints';
import { OpinionAdviser } from '../../../src/engine/taskManager/opinionAdviser';

function opinion(emotion: UtteranceEmotion, isClear = true): UtteranceInfo {
  return { emotion, is_clear: isClear };
}

describe('utterance_emotion demo parts', () => {
  const adviser = new OpinionAdviser(
    utteranceDefaultMeta.opinions_min,
    utteranceDefaultMeta.opinions_max,
    utteranceDefaultMeta.confidence,
  );

  describe('utterances', () => {
    it('has 45 utterances of 51 to 86 characters with typographic apostrophes and dashes', () => {
      assert.equal(utterances.length, 45);
      for (const text of utterances) {
        const length = countCodePoints(text);
        assert.ok(length >= 51 && length <= 86, `${length}: ${text}`);
      }
      assert.ok(utterances.some((text) => text.includes('\u2019')));
      assert.ok(utterances.some((text) => text.includes('\u2014')));
    });

    it('keys each utterance by its 1-based index and first 30 code points, all distinct', () => {
      const keys = utterances.map((text, i) => utteranceKey(i + 1, text));
      assert.equal(new Set(keys).size, 45);
      for (const [i, key] of keys.entries()) {
        const prefix = `${i + 1}:`;
        assert.ok(key.startsWith(prefix));
        assert.equal(countCodePoints(key.slice(prefix.length)), 30);
      }
      assert.equal(utteranceKey(7, `${'\u{1F600}'.repeat(31)}`), `7:${'\u{1F600}'.repeat(30)}`);
    });
  });

  describe('requests and schema', () => {
    it('labels the utterance in the user message and takes parameters from the meta', () => {
      const payload = utterancePayload({ ...utteranceDefaultMeta, model: 'm', temperature: 1 }, 'I am fine.');
      assert.deepEqual(payload.messages[1], { role: 'user', content: 'UTTERANCE:\nI am fine.' });
      assert.equal(payload.model, 'm');
      assert.equal(payload.temperature, 1);
      assert.equal(payload.max_completion_tokens, 32);
      assert.equal(payload.top_p, 0.6);
      assert.deepEqual(payload.response_format, {
        type: 'json_schema',
        json_schema: { name: 'UtteranceInfo', schema: utteranceInfoSchema, strict: true },
      });
    });

    it('uses a strict schema with the seven MELD labels', () => {
      assert.doesNotThrow(() => checkStrictSchema(utteranceInfoSchema, 'UtteranceInfo'));
      assert.ok(isUtteranceInfo({ emotion: 'fear', is_clear: false }));
      assert.ok(!isUtteranceInfo({ emotion: 'boredom', is_clear: false }));
      assert.ok(!isUtteranceInfo({ emotion: 'fear', is_clear: 'yes' }));
      assert.ok(!isUtteranceInfo({ emotion: 'fear' }));
    });
  });

  describe('conclusions', () => {
    it('concludes three clear joys confidently', () => {
      const entry = buildUtteranceOutput('1:x', 'x', [opinion('joy'), opinion('joy'), opinion('joy')], 0, adviser);
      const expected = { sample_key: '1:x', utterance: 'x', is_clear: true, emotion: 'joy', emotions: { joy: 1 } };
      assert.deepEqual(entry, expected);
    });

    it('asks for two more after an unclear split and then weights by clarity', () => {
      const first = [opinion('joy'), opinion('joy'), opinion('surprise', false)];
      assert.equal(buildUtteranceOutput('k', 'u', first, 0, adviser), null);
      assert.equal(adviser.minResponsesRequired(0, first.map((o) => o.emotion)), 5);
      const all = [...first, opinion('joy', false), opinion('surprise')];
      const entry = buildUtteranceOutput('k', 'u', all, 0, adviser);
      assert.deepEqual(entry, {
        sample_key: 'k',
        utterance: 'u',
        is_clear: false,
        emotion: 'joy',
        emotions: { joy: 0.625, surprise: 0.375 },
      });
      assert.deepEqual(Object.keys(entry?.emotions ?? {}), ['joy', 'surprise']);
    });

    it('is confident with four angers and one disgust', () => {
      const opinions = [...Array<UtteranceInfo>(4).fill(opinion('anger')), opinion('disgust')];
      const entry = buildUtteranceOutput('k', 'u', opinions, 0, adviser);
      assert.equal(entry?.is_clear, true);
      assert.equal(entry?.emotion, 'anger');
      assert.deepEqual(entry?.emotions, { anger: 0.8, disgust: 0.2 });
    });

    it('orders tied scores by emotion name but lets the first-seen opinion win the vote', () => {
      const opinions = [opinion('surprise'), opinion('joy'), opinion('surprise'), opinion('joy'), opinion('fear')];
      const entry = buildUtteranceOutput('k', 'u', opinions, 0, adviser);
      assert.equal(entry?.emotion, 'surprise');
      assert.deepEqual(Object.keys(entry?.emotions ?? {}), ['joy', 'surprise', 'fear']);
    });

    it('settles five failures with no emotion', () => {
      assert.deepEqual(buildUtteranceOutput('k', 'u', [], 5, adviser), {
        sample_key: 'k',
        utterance: 'u',
        is_clear: false,
        emotion: null,
        emotions: {},
      });
      assert.equal(buildUtteranceOutput('k', 'u', [], 4, adviser), null);
    });

    it('drops only entries that failures settled when failures are wiped', () => {
      const settledByFailures = buildUtteranceOutput('a', 'u', [opinion('joy'), opinion('joy')], 3, adviser);
      const confident = buildUtteranceOutput('b', 'u', [opinion('fear'), opinion('fear'), opinion('fear')], 1, adviser);
      const noOpinions = buildUtteranceOutput('c', 'u', [], 5, adviser);
      assert.ok(settledByFailures !== null && confident !== null && noOpinions !== null);
      const opinionsByKey = {
        a: [opinion('joy'), opinion('joy')],
        b: [opinion('fear'), opinion('fear'), opinion('fear')],
      };
      assert.equal(keepAfterWipeFailed(settledByFailures, opinionsByKey, adviser), false);
      assert.equal(keepAfterWipeFailed(confident, opinionsByKey, adviser), true);
      assert.equal(keepAfterWipeFailed(noOpinions, opinionsByKey, adviser), false);
    });
  });
});
