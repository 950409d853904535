import type { TokensCost } from '../../shared/requesterState';

/**
 * Estimates a request's tokens and costs before it is sent (engine.md 7.1). Implemented over the token estimator
 * and coster; the requester depends only on this interface.
 */
export interface RequestCosting {
  /** Estimated input tokens and maximum output tokens of a request body for the endpoint. */
  countTokens(payload: Record<string, unknown>, endpoint: string): { inputTokens: number; maxOutputTokens: number };
  /** Estimated tokens and costs from the counts, with the currently assumed completion ratio and cost rates. */
  tokensCost(inputTokens: number, maxOutputTokens: number): TokensCost;
  /** True cost of one response's usage in the given mode. */
  trueCost(usage: unknown, mode: 'direct' | 'batch'): number;
  /** True cost of a set of prompt/completion token totals at direct and batch rates, as a TokensCost record. */
  trueTokensCost(promptTokens: number, completionTokens: number, maxOutputTokens: number): TokensCost;
  /** The assumed completion ratio currently in force. */
  readonly assumedCompletionRatio: number;
  setAssumedCompletionRatio(ratio: number): void;
}
