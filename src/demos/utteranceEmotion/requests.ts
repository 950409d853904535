import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { demoPayload, type DemoModelMeta } from '../demoPayload';
import { utteranceInfoName, utteranceInfoSchema } from './schema';

/** Model and majority-vote parameters fixed when an utterance_emotion task is created. */
export interface UtteranceMeta extends DemoModelMeta {
  /** Fewest opinions a confident conclusion may rest on. */
  readonly opinions_min: number;
  /** Most responses (failed ones included) asked for per utterance. */
  readonly opinions_max: number;
  /** Share of the most common opinion needed for a confident conclusion. */
  readonly confidence: number;
}

export const utteranceDefaultMeta: UtteranceMeta = {
  model: 'gpt-4o-mini-2024-07-18',
  max_completion_tokens: 32,
  completion_ratio: 0.35,
  temperature: 0.2,
  top_p: 0.6,
  opinions_min: 3,
  opinions_max: 5,
  confidence: 0.78,
};

const systemMessage =
  'Identify the emotion expressed in the utterance the user gives you, choosing one of the emotion categories of ' +
  'the MELD dataset.';

/** The chat request classifying `utterance`; the user message is exactly `UTTERANCE:\n<utterance>`. */
export function utterancePayload(meta: UtteranceMeta, utterance: string): ChatCompletionCreateParamsNonStreaming {
  return demoPayload(meta, systemMessage, `UTTERANCE:\n${utterance}`, utteranceInfoName, utteranceInfoSchema);
}
