import { validateJson, type JsonSchema } from '../../engine';

/** The categories the model may assign to a character. */
export const unicodeCharacterTypes = [
  'letter',
  'number',
  'punctuation',
  'symbol',
  'currency',
  'control',
  'space',
  'mark',
  'emoji',
  'other',
] as const;

export type UnicodeCharacterType = (typeof unicodeCharacterTypes)[number];

/** The structured answer describing one character. */
export interface UnicodeCharacterInfo {
  readonly character: string;
  readonly type: UnicodeCharacterType;
  readonly description: string;
  readonly sample_sentence: string;
}

/** Name of the structured output, used as the response format name. */
export const unicodeCharacterInfoName = 'UnicodeCharacterInfo';

/**
 * Strict schema of `UnicodeCharacterInfo`. The enum also appears under `$defs` (as schema generators emit it) so that
 * token estimates match those of requests built from generated schemas; the property inlines it to carry its own
 * title and description.
 */
export const unicodeCharacterInfoSchema: JsonSchema = {
  type: 'object',
  title: unicodeCharacterInfoName,
  $defs: {
    UnicodeCharacterType: { type: 'string', title: 'UnicodeCharacterType', enum: unicodeCharacterTypes },
  },
  properties: {
    character: {
      type: 'string',
      title: 'Unicode character',
      description: 'The described character on its own',
    },
    type: {
      type: 'string',
      title: 'Character type',
      description: 'The category that fits the character best',
      enum: unicodeCharacterTypes,
    },
    description: {
      type: 'string',
      title: 'Character description',
      description: 'One sentence on what the character stands for and where it comes from',
    },
    sample_sentence: {
      type: 'string',
      title: 'Sample sentence',
      description: 'A sentence using the exact character at least twice',
    },
  },
  required: ['character', 'type', 'description', 'sample_sentence'],
  additionalProperties: false,
};

/** True iff `value` is a valid `UnicodeCharacterInfo` (strict types, no extra fields). */
export function isUnicodeCharacterInfo(value: unknown): value is UnicodeCharacterInfo {
  return validateJson(unicodeCharacterInfoSchema, value).length === 0;
}
