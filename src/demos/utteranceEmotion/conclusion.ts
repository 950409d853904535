import type { OpinionAdviser } from '../../engine';
import type { UtteranceEmotion, UtteranceInfo } from './schema';

/** One line of the utterance_emotion output file. */
export interface UtteranceOutputEntry {
  readonly sample_key: string;
  readonly utterance: string;
  /** True iff the majority reached the confidence threshold with enough opinions (not the model's own flag). */
  readonly is_clear: boolean;
  /** The most common opinion, or null when every response failed. */
  readonly emotion: UtteranceEmotion | null;
  /** Clarity-weighted share per emotion, highest first (ties by emotion name). */
  readonly emotions: Readonly<Partial<Record<UtteranceEmotion, number>>>;
}

const clearWeight = 1.0;
const unclearWeight = 0.5;

/**
 * The output entry for a sample whose opinions (in arrival order) and failed responses settle it according to
 * `adviser`, or null when more responses are needed. Each opinion weighs 1.0 when the model found the emotion clear
 * and 0.5 otherwise; `emotions` holds each emotion's share of the total weight.
 */
export function buildUtteranceOutput(
  key: string,
  utterance: string,
  opinions: readonly UtteranceInfo[],
  numFailed: number,
  adviser: OpinionAdviser,
): UtteranceOutputEntry | null {
  const conclusion = adviser.getConclusion(
    numFailed,
    opinions.map((opinion) => opinion.emotion),
  );
  if (!conclusion.haveConclusion) return null;
  const weights = new Map<UtteranceEmotion, number>();
  let total = 0;
  for (const opinion of opinions) {
    const weight = opinion.is_clear ? clearWeight : unclearWeight;
    weights.set(opinion.emotion, (weights.get(opinion.emotion) ?? 0) + weight);
    total += weight;
  }
  const ranked = [...weights].sort(([emotionA, weightA], [emotionB, weightB]) =>
    weightA !== weightB ? weightB - weightA : emotionA < emotionB ? -1 : emotionA > emotionB ? 1 : 0,
  );
  const emotions: Partial<Record<UtteranceEmotion, number>> = {};
  for (const [emotion, weight] of ranked) emotions[emotion] = weight / total;
  return {
    sample_key: key,
    utterance,
    is_clear: conclusion.isConfident,
    emotion: conclusion.top,
    emotions,
  };
}

/**
 * Whether `entry` survives forgetting all failed responses: true iff the sample's opinions alone (looked up by its
 * key in `opinionsByKey`, the succeeded samples) still settle it. Entries that were settled only because failures
 * used up the response budget are dropped, so their samples are asked again.
 */
export function keepAfterWipeFailed(
  entry: UtteranceOutputEntry,
  opinionsByKey: Readonly<Record<string, readonly UtteranceInfo[]>>,
  adviser: OpinionAdviser,
): boolean {
  const opinions = opinionsByKey[entry.sample_key] ?? [];
  return adviser.getConclusion(
    0,
    opinions.map((opinion) => opinion.emotion),
  ).haveConclusion;
}
