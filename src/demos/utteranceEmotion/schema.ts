import { validateJson, type JsonSchema } from '../../engine';

/** The seven emotion labels of the MELD dataset. */
export const utteranceEmotions = ['anger', 'disgust', 'sadness', 'joy', 'neutral', 'surprise', 'fear'] as const;

export type UtteranceEmotion = (typeof utteranceEmotions)[number];

/** The structured answer classifying one utterance; also the stored form of one opinion. */
export interface UtteranceInfo {
  readonly emotion: UtteranceEmotion;
  readonly is_clear: boolean;
}

/** Name of the structured output, used as the response format name. */
export const utteranceInfoName = 'UtteranceInfo';

/** Strict schema of `UtteranceInfo` (the enum is also under `$defs`, as in `UnicodeCharacterInfo`). */
export const utteranceInfoSchema: JsonSchema = {
  type: 'object',
  title: utteranceInfoName,
  $defs: {
    UtteranceEmotion: { type: 'string', title: 'UtteranceEmotion', enum: utteranceEmotions },
  },
  properties: {
    emotion: {
      type: 'string',
      title: 'Utterance emotion',
      description: 'The emotion label that fits the utterance best',
      enum: utteranceEmotions,
    },
    is_clear: {
      type: 'boolean',
      title: 'Is clear emotion',
      description: 'Whether the emotion is unmistakable rather than ambiguous',
    },
  },
  required: ['emotion', 'is_clear'],
  additionalProperties: false,
};

/** True iff `value` is a valid `UtteranceInfo` (strict types, no extra fields). */
export function isUtteranceInfo(value: unknown): value is UtteranceInfo {
  return validateJson(utteranceInfoSchema, value).length === 0;
}
