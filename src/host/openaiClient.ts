import OpenAI from 'openai';
import type { RequesterOptions } from '../shared/options';
import { MissingApiKeyError } from '../shared/errors';
import { nodeHttpFetch } from './nodeHttpFetch';

/** The options and environment an API client is built from. */
export interface OpenAIClientSettings {
  options: Pick<RequesterOptions, 'openai_api_key' | 'client_base_url' | 'openai_organization' | 'openai_project' | 'dryrun'>;
  /** OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID fill in the options left unset. */
  env: NodeJS.ProcessEnv;
  /** Base URL of a simulator to use instead of OpenAI: no key needed. */
  simulatorBaseUrl?: string;
  /** Where the user can set a key, for the error when there is none (the CLI and the editor differ). */
  noKeyAdvice: string;
}

/** Retries of the client itself (connection errors, 429 and 5xx); the engine's own retries come on top. */
export const clientRetries = 4;

/**
 * The one way the host builds OpenAI clients, for the CLI and the worker alike. It checks the key at once, so a
 * missing key fails before a run starts; a dry run needs none, because it never calls the API. Its clients share one
 * pool of kept-alive connections.
 */
export function openaiClientFactory({ options, env, simulatorBaseUrl, noKeyAdvice }: OpenAIClientSettings): () => OpenAI {
  const fetch = nodeHttpFetch();
  if (simulatorBaseUrl !== undefined) return () => new OpenAI({ apiKey: 'sim', baseURL: simulatorBaseUrl, maxRetries: clientRetries, fetch });
  const apiKey = options.openai_api_key ?? env.OPENAI_API_KEY;
  if (!apiKey && !options.dryrun) throw new MissingApiKeyError('openai', `No OpenAI API key: ${noKeyAdvice}`);
  return () =>
    new OpenAI({
      apiKey: apiKey ?? 'unused-in-dry-run',
      baseURL: options.client_base_url ?? env.OPENAI_BASE_URL ?? undefined,
      organization: options.openai_organization ?? env.OPENAI_ORG_ID ?? null,
      project: options.openai_project ?? env.OPENAI_PROJECT_ID ?? null,
      maxRetries: clientRetries,
      fetch,
    });
}
