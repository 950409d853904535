import type { TokensCost } from '../../shared/requesterState';
import { type CostRates, TokenCoster } from '../tokens/coster';
import { roundHalfEven } from '../tokens/rounding';
import type { TokenEstimator } from '../tokens/estimator';
import type { RequestCosting } from './costing';

/** The requester's estimates over the token estimator and the coster. */
export class TokenCosting implements RequestCosting {
  private readonly coster: TokenCoster;
  private ratio: number;

  constructor(
    private readonly estimator: TokenEstimator,
    rates: CostRates,
    assumedCompletionRatio: number,
  ) {
    this.coster = new TokenCoster(rates);
    this.ratio = assumedCompletionRatio;
  }

  get assumedCompletionRatio(): number {
    return this.ratio;
  }

  setAssumedCompletionRatio(ratio: number): void {
    if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`The assumed completion ratio must be within [0, 1], not ${ratio}`);
    this.ratio = ratio;
  }

  countTokens(payload: Record<string, unknown>, endpoint: string): { inputTokens: number; maxOutputTokens: number } {
    const input = this.estimator.estimateInput(payload, endpoint).total;
    const output = this.estimator.estimateOutput(payload, endpoint, 1);
    return { inputTokens: input, maxOutputTokens: output.max };
  }

  tokensCost(inputTokens: number, maxOutputTokens: number): TokensCost {
    const output = roundHalfEven(maxOutputTokens * this.ratio);
    return { input_tokens: inputTokens, output_tokens: output, max_output_tokens: maxOutputTokens, ...this.coster.estimate(inputTokens, output) };
  }

  trueCost(usage: unknown, mode: 'direct' | 'batch'): number {
    return this.coster.trueCost(usage, mode);
  }

  trueTokensCost(promptTokens: number, completionTokens: number, maxOutputTokens: number): TokensCost {
    return { input_tokens: promptTokens, output_tokens: completionTokens, max_output_tokens: maxOutputTokens, ...this.coster.estimate(promptTokens, completionTokens) };
  }
}
