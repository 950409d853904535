import { pick, unitFloat } from './deterministic';

/** What a responder sees of a chat completion request. */
export interface ResponderInput {
  /** Text of the last user message. */
  lastUserText: string;
  /** The json_schema's `schema`. */
  schema: unknown;
  /** Differs per request identity (custom_id / X-Client-Request-Id) and choice; use it for variation. */
  variation: string;
}

/**
 * Produces a realistic structured answer for a known json_schema name, or undefined when the prompt is not in the
 * format the responder understands (the generic schema-driven answer is used then). The answer must validate
 * against the request's schema.
 */
export type Responder = (input: ResponderInput) => Record<string, unknown> | undefined;

const charPrefix = 'Character: ';

/** `UnicodeCharacterInfo`: the prompt is `Character: X`, or `Character: "X"` for whitespace characters. */
function unicodeCharacterInfo({ lastUserText, variation }: ResponderInput): Record<string, unknown> | undefined {
  if (!lastUserText.startsWith(charPrefix)) return undefined;
  let character = lastUserText.slice(charPrefix.length);
  if (character.length >= 3 && character.startsWith('"') && character.endsWith('"')) character = character.slice(1, -1);
  const codePoint = character.codePointAt(0);
  if (codePoint === undefined) return undefined;
  const type = unicodeType(character);
  const code = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const descriptions = [
    `The character "${character}" (${code}) is a ${type} character encoded in the Unicode standard.`,
    `"${character}" is the Unicode ${type} character at code point ${code}.`,
    `Code point ${code}, written "${character}", belongs to the ${type} characters of Unicode.`,
  ];
  const samples = [
    `Here is ${character} once, and here is ${character} again.`,
    `The writer typed ${character} and then ${character} for emphasis.`,
    `Spot the ${character} in this sentence, then the second ${character} near its end.`,
  ];
  return { character, type, description: pick(descriptions, variation, 'description'), sample_sentence: pick(samples, variation, 'sample') };
}

/** A plausible `UnicodeCharacterType` from the Unicode general category. */
export function unicodeType(character: string): string {
  if (/\p{Extended_Pictographic}/u.test(character) && !/^[#*0-9©®]$/u.test(character)) return 'emoji';
  if (/\p{Sc}/u.test(character)) return 'currency';
  if (/\p{L}/u.test(character)) return 'letter';
  if (/\p{N}/u.test(character)) return 'number';
  if (/\p{P}/u.test(character)) return 'punctuation';
  if (/\p{Cc}/u.test(character)) return 'control';
  if (/[\p{Z}\s]/u.test(character)) return 'space';
  if (/\p{M}/u.test(character)) return 'mark';
  if (/\p{S}/u.test(character)) return 'symbol';
  return 'other';
}

const utterancePrefix = 'UTTERANCE:\n';
const emotions = ['anger', 'disgust', 'sadness', 'joy', 'neutral', 'surprise', 'fear'] as const;
const emotionKeywords: Record<(typeof emotions)[number], RegExp> = {
  anger: /\b(angry|furious|mad|hate|shut up|damn|annoy\w*|stupid|how dare)\b/i,
  disgust: /\b(gross|disgust\w*|yuck|ew+|nasty|sick of|revolting)\b/i,
  sadness: /\b(sad|sorry|miss\w*|cry\w*|lonely|lost|unfortunately|depress\w*|hurts?)\b/i,
  joy: /\b(happy|great|love|awesome|wonderful|yay|glad|thanks?|thank you|fantastic|congrat\w*)\b/i,
  surprise: /\b(wow|what\?|really\?|no way|oh my|whoa|seriously|can't believe)\b/i,
  fear: /\b(scared|afraid|terrified|fear|worried|nervous|help|oh no)\b/i,
  neutral: /$^/,
};

/** `UtteranceInfo`: the prompt is `UTTERANCE:\n<text>`; a keyword heuristic with per-request disagreement. */
function utteranceInfo({ lastUserText, variation }: ResponderInput): Record<string, unknown> | undefined {
  if (!lastUserText.startsWith(utterancePrefix)) return undefined;
  const text = lastUserText.slice(utterancePrefix.length);
  const matched = emotions.find((emotion) => emotionKeywords[emotion].test(text));
  const guess = matched ?? (text.includes('!') ? 'surprise' : 'neutral');
  // About a quarter of the opinions disagree, so that some samples need more opinions to reach a conclusion.
  const disagrees = unitFloat(variation, 'disagree') < (matched ? 0.2 : 0.35);
  const emotion = disagrees ? pick(emotions.filter((e) => e !== guess), variation, 'other') : guess;
  const isClear = !disagrees && matched !== undefined && unitFloat(variation, 'clear') < 0.8;
  return { emotion, is_clear: isClear };
}

/** The responders for the built-in demos, keyed by json_schema name. */
export const builtInResponders: ReadonlyMap<string, Responder> = new Map<string, Responder>([
  ['UnicodeCharacterInfo', unicodeCharacterInfo],
  ['UtteranceInfo', utteranceInfo],
]);
