import type OpenAI from 'openai';
import type { BatchProvider } from './batchProvider';
import { openaiProvider } from './openaiProvider';

/** The provider a requester is given, else OpenAI over its client; null when it has neither (a dry run). */
export function providerOf(init: { client: OpenAI | null; provider?: BatchProvider | null }): BatchProvider | null {
  if (init.provider) return init.provider;
  return init.client === null ? null : openaiProvider(init.client);
}
