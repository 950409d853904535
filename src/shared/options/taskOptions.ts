import {
  apiPath,
  choice,
  float,
  floatBetweenExclusive,
  int,
  negatedOption,
  switchOption,
  text,
  valueOption,
} from './optionSpec';

/** The options of the task manager (engine.md §4.3, task-manager.md §6.3), in help order. */
export const taskManagerOptionSpecs = {
  run: negatedOption('Whether to run the task; when off, only start it (performing any wipes), show its status and exit.'),
  postprocess_output: valueOption(
    choice(['never', 'if_written', 'always']),
    'if_written',
    'MODE',
    'When to post-process the task output at the end of a run: never, if_written (only if this run wrote output), always.',
  ),
  wipe_failed: switchOption(
    'CAUTION: forget failed samples so they are attempted again with a full retry budget (implies --wipe_requests).',
  ),
  reinit_meta: switchOption('CAUTION: replace the stored task metadata by the current one (model, temperature, ...).'),
};

/**
 * Which task to run and the metadata a new task starts with (demos.md §1.1). Null means "the task's own default";
 * metadata only applies to a new task or together with --reinit_meta.
 */
export const taskMetaOptionSpecs = {
  task: valueOption(text().nullable(), null, 'NAME', 'Task to run, e.g. the demo char_codes or utterance_emotion.'),
  task_prefix: valueOption(text().nullable(), null, 'PREFIX', 'Name prefix of every task file (unset = the task name).'),
  task_dir: valueOption(text().nullable(), null, 'DIR', 'Directory of the task files.'),
  chat_endpoint: valueOption(apiPath(), '/v1/chat/completions', 'ENDPOINT', 'Chat completions endpoint the task sends requests to.'),
  model: valueOption(text().nullable(), null, 'MODEL', 'Model of every request.'),
  max_completion_tokens: valueOption(int(1).nullable(), null, 'NUM', 'Most output tokens per request.'),
  completion_ratio: valueOption(
    float(0, 1).nullable(),
    null,
    'RATIO',
    'Expected fraction of max_completion_tokens actually generated, for cost estimates.',
  ),
  temperature: valueOption(float(0, 2).nullable(), null, 'TEMP', 'Sampling temperature.'),
  top_p: valueOption(float(0, 1).nullable(), null, 'MASS', 'Nucleus sampling probability mass.'),
  opinions_min: valueOption(int(1).nullable(), null, 'NUM', 'Fewest answers to collect per sample before a majority counts.'),
  opinions_max: valueOption(int(1).nullable(), null, 'NUM', 'Most answers to collect per sample (failed ones included).'),
  confidence: valueOption(
    floatBetweenExclusive(0, 1).nullable(),
    null,
    'RATIO',
    'Share of answers that must agree for a confident majority.',
  ),
};

/** Options of the gpt-batch program itself. */
export const programOptionSpecs = {
  simulate: switchOption('Start the built-in API simulator in this process and send every request to it (no API key needed).'),
  config: {
    ...valueOption(text(), 'gpt-batch.json', 'FILE', 'Task file to read tasks and options from.'),
    file: false,
  },
};
