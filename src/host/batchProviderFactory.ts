import { anthropicProvider } from '../engine/providers/anthropicProvider';
import { anthropicSdk } from '../engine/providers/anthropicSdk';
import type { BatchProvider } from '../engine/providers/batchProvider';
import { openaiProvider } from '../engine/providers/openaiProvider';
import type { Logger } from '../engine/log';
import type { RequesterOptions } from '../shared/options';
import { MissingApiKeyError } from '../shared/errors';
import { clientRetries, openaiClientFactory, type OpenAIClientSettings } from './openaiClient';

/** What a provider's client is built from: the OpenAI settings plus the provider choice and the Anthropic key. */
export interface ProviderSettings extends OpenAIClientSettings {
  options: OpenAIClientSettings['options'] & Pick<RequesterOptions, 'provider' | 'anthropic_api_key'>;
  /** Where the user can set an Anthropic key, for the error when there is none; derived from `noKeyAdvice` when unset. */
  anthropicNoKeyAdvice?: string;
  logger: Logger;
}

/** The advice for a missing key of provider anthropic, from the host's advice for OpenAI's. */
function anthropicKeyAdvice(noKeyAdvice: string): string {
  return noKeyAdvice.replace(/OPENAI_API_KEY/g, 'ANTHROPIC_API_KEY').replace(/--openai_api_key/g, '--anthropic_api_key');
}

/**
 * The one way the host builds the provider a task's batches and direct requests go to: OpenAI's over the client of
 * `openaiClientFactory`, or Anthropic's over `@anthropic-ai/sdk` with ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL, or
 * `client_base_url`). Like the OpenAI factory it checks the key at once; a dry run needs none. The simulator speaks
 * both wire formats at its root URL.
 */
export function batchProviderFactory(settings: ProviderSettings): () => BatchProvider {
  const { options, env, simulatorBaseUrl, noKeyAdvice, anthropicNoKeyAdvice, logger } = settings;
  if (options.provider !== 'anthropic') {
    const createClient = openaiClientFactory(settings);
    return () => openaiProvider(createClient());
  }
  const warn = (message: string) => logger.warn(message);
  const Anthropic = anthropicSdk();
  if (simulatorBaseUrl !== undefined) {
    const baseURL = simulatorBaseUrl.replace(/\/v1\/?$/, '');
    return () => anthropicProvider(new Anthropic({ apiKey: 'sim', baseURL, maxRetries: clientRetries }), warn);
  }
  const apiKey = options.anthropic_api_key ?? env.ANTHROPIC_API_KEY;
  if (!apiKey && !options.dryrun) throw new MissingApiKeyError('anthropic', `No Anthropic API key: ${anthropicNoKeyAdvice ?? anthropicKeyAdvice(noKeyAdvice)}`);
  const baseURL = options.client_base_url ?? env.ANTHROPIC_BASE_URL ?? null;
  return () => anthropicProvider(new Anthropic({ apiKey: apiKey ?? 'unused-in-dry-run', baseURL, maxRetries: clientRetries }), warn);
}
