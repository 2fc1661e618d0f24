import { BadRequestError } from '../errors.js';
import { clampToBudget, type TokenBudget } from '../tier.js';

/** The kept-token count of a press, before and after the tier clamp. */
export interface KeptCount {
  /** `int(S * (1 - ratio))`, what kvpress keeps. */
  press: number;
  /** What the cache holds: `press` clamped into the budget (and never above S). */
  kept: number;
}

/** Checks `0 <= ratio < 1` as kvpress asserts. */
export function checkCompressionRatio(ratio: number): void {
  if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`compressionRatio must be in [0, 1), got ${ratio}`);
}

/**
 * Kept tokens for S prefill tokens: kvpress' `int(q_len * (1 - ratio))` (a float64
 * product truncated toward zero, so S=10, ratio 0.9 keeps 0, not 1), then clamped into
 * the tier budget so the file is never outside the tier's bounds.
 */
export function keptTokenCount(tokens: number, compressionRatio: number, budget: TokenBudget): KeptCount {
  checkCompressionRatio(compressionRatio);
  const press = Math.trunc(tokens * (1 - compressionRatio));
  const kept = clampToBudget(press, tokens, budget);
  if (kept === undefined) {
    throw new BadRequestError(
      `context has ${tokens} tokens, fewer than the ${budget.min} condensed tokens this tier requires`,
      'send a longer context, or configure a tier whose minCondensedTokens is at most the context length',
    );
  }
  return { press, kept };
}
