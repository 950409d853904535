import type { TaskManager, TaskManagerInit } from '../engine';
import type { DemoName } from '../shared/taskFile';
import { CharCodesTask } from '../demos/charCodes/charCodesTask';
import { charCodesDefaultMeta } from '../demos/charCodes/requests';
import { UtteranceEmotionTask } from '../demos/utteranceEmotion/utteranceEmotionTask';
import { utteranceDefaultMeta } from '../demos/utteranceEmotion/requests';

/** A built-in demo: how to build its task and the meta a new task starts from. */
export interface DemoEntry {
  create(init: TaskManagerInit): TaskManager;
  defaultMeta: object;
  /** The task-metadata options that override `defaultMeta` when set. */
  metaOptions: readonly string[];
}

export type DemoRegistry = Readonly<Record<DemoName, DemoEntry>>;

const modelMetaOptions = ['model', 'max_completion_tokens', 'completion_ratio', 'temperature', 'top_p'] as const;

/** The demos `"task": "demo:<name>"` and `gpt-batch demo --task <name>` run. */
export const demoRegistry: DemoRegistry = {
  char_codes: {
    create: (init) => new CharCodesTask(init),
    defaultMeta: charCodesDefaultMeta,
    metaOptions: modelMetaOptions,
  },
  utterance_emotion: {
    create: (init) => new UtteranceEmotionTask(init),
    defaultMeta: utteranceDefaultMeta,
    metaOptions: [...modelMetaOptions, 'opinions_min', 'opinions_max', 'confidence'],
  },
};
