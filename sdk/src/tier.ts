/**
 * A tier as the subnet defines it. Tiers are data: the subnet has changed the table
 * before, so core ships presets and lets config override any value.
 */
export interface TierSpec {
  /** Tier name as sent in the Metadata synapse, e.g. `research`. */
  name: string;
  /** What a miner of this tier returns: a KV cache file, or compressed text (`universal`). */
  output: 'kv-cache' | 'text';
  /** Fewest condensed tokens a valid cache holds (inclusive). */
  minCondensedTokens: number;
  /** Most condensed tokens a valid cache holds (inclusive). */
  maxCondensedTokens: number;
  /** Longest context accepted, in characters. */
  maxContextChars: number;
  /** Validator's timeout for one request, in milliseconds. */
  timeoutMs: number;
  /** Target models validators of this tier ask for (exact `target_model` strings). */
  targetModels: readonly string[];
  /** For text tiers: allowed compressed/original token ratio range. */
  compressRate?: { min: number; max: number };
  /** Validator request quota per epoch shared by all validators (rate limits). */
  requestsPerEpoch: number;
}

/** The token budget a compressor must land in: `min <= tokens <= max`. */
export interface TokenBudget {
  min: number;
  max: number;
}

/**
 * Clamps a kept-token count into the budget. When the context has fewer tokens than
 * `min`, no valid cache exists; the caller gets `undefined` and must reject the request.
 */
export function clampToBudget(kept: number, available: number, budget: TokenBudget): number | undefined {
  if (available < budget.min) return undefined;
  return Math.min(Math.max(kept, budget.min), budget.max, available);
}

/** The active tier policy, resolved from config in core and injected as `TierPolicy`. */
export interface TierPolicy {
  readonly tier: TierSpec;
  /** The token budget for a request. */
  budget(): TokenBudget;
}
