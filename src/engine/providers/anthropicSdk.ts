import type Anthropic from '@anthropic-ai/sdk';

/**
 * The Anthropic SDK, loaded on first use: only tasks of provider anthropic need it, and it is the largest package of
 * the bundles, so every other command starts without reading it. The build keeps it in a file of its own
 * (`dist/anthropic-sdk.js`) that this call loads.
 */
export function anthropicSdk(): typeof Anthropic {
  return (require('@anthropic-ai/sdk') as { default: typeof Anthropic }).default;
}
