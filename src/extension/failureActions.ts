import { MissingApiKeyError } from '../shared/errors';

/** A button of a failed command's notification: the command it runs, or none to show the log. */
export interface FailureAction {
  title: string;
  command?: 'gptBatch.setApiKey' | 'gptBatch.setAnthropicApiKey';
}

const showLog: FailureAction = { title: 'Show Log' };

/**
 * The buttons of a failed command's notification: the action that fixes the failure first, when there is one (setting
 * the missing API key of the run's provider, under its command's title), then Show Log.
 */
export function failureActions(error: unknown): FailureAction[] {
  if (!(error instanceof MissingApiKeyError)) return [showLog];
  const setKey: FailureAction =
    error.provider === 'anthropic' ? { title: 'Set Anthropic API Key', command: 'gptBatch.setAnthropicApiKey' } : { title: 'Set API Key', command: 'gptBatch.setApiKey' };
  return [setKey, showLog];
}
