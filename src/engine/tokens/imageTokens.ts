import type { ImageTokensConfig } from './families';
import type { ImageSize } from './imageHeader';
import { roundHalfEven } from './rounding';

/**
 * How a high-detail image is scaled before tiling. `documented`: OpenAI's documented steps, first fit within
 * `fitSide`×`fitSide`, then scale the shortest side down to `highRes`. `upstream`: gpt_batch_api's formula, which
 * skips the first step (and so overcounts very wide or tall images).
 */
export type ImageSizing = 'documented' | 'upstream';

function scaleDown(size: ImageSize, factor: number): ImageSize {
  return { width: roundHalfEven(size.width * factor), height: roundHalfEven(size.height * factor) };
}

/** Number of high-detail tiles of an image of a known, positive size. */
export function highDetailTiles(size: ImageSize, config: ImageTokensConfig, sizing: ImageSizing): number {
  let scaled = size;
  const longest = Math.max(scaled.width, scaled.height);
  if (sizing === 'documented' && longest > config.fitSide) scaled = scaleDown(scaled, config.fitSide / longest);
  const shortest = Math.min(scaled.width, scaled.height);
  if (shortest > config.highRes) scaled = scaleDown(scaled, config.highRes / shortest);
  const across = Math.floor((scaled.width - 1) / config.highTile) + 1;
  const down = Math.floor((scaled.height - 1) / config.highTile) + 1;
  return across * down;
}

/**
 * Tokens of an image of a known, positive size at a detail other than `low`. `auto` is assumed to mean low
 * detail for images of at most one tile and high detail otherwise; any unrecognised value counts as `high`.
 */
export function sizedImageTokens(size: ImageSize, detail: string, config: ImageTokensConfig, sizing: ImageSizing): number {
  const tiles = highDetailTiles(size, config, sizing);
  if (detail === 'auto' && tiles <= 1) return config.lowTokens;
  return config.highTokensBase + tiles * config.highTokensTile;
}

/**
 * The most an image of unknown size can cost at a detail: by OpenAI's documented scaling no image has more tiles
 * than one of `fitSide`×`highRes` pixels.
 */
export function worstCaseImageTokens(detail: string, config: ImageTokensConfig): number {
  if (detail === 'low') return config.lowTokens;
  const tiles = Math.ceil(config.fitSide / config.highTile) * Math.ceil(config.highRes / config.highTile);
  return config.highTokensBase + tiles * config.highTokensTile;
}
