import type { TierSpec } from '@neural-condense/sdk';

const MISTRAL = ['mistralai/Mistral-7B-Instruct-v0.2', 'Condense-AI/Mistral-7B-Instruct-v0.2'] as const;

/**
 * Tier tables. `documented` is the table of the original miner's docs (the default);
 * `subnet-2025` is the subnet's later constants (spec/bittensor.md §3.4). Tiers are data:
 * config may pick a preset and override any field of any tier.
 */
export const TIER_PRESETS: Record<string, Record<string, TierSpec>> = {
  documented: {
    research: tier('research', 128, 1024, 10_000, 32_000),
    inference_0: tier('inference_0', 128, 1024, 15_000, 8_000),
    inference_1: tier('inference_1', 128, 2048, 20_000, 8_000),
  },
  'subnet-2025': {
    research: tier('research', 128, 1536, 15_000, 32_000),
    universal: {
      name: 'universal',
      output: 'text',
      minCondensedTokens: 0,
      maxCondensedTokens: Number.MAX_SAFE_INTEGER,
      maxContextChars: 15_000,
      timeoutMs: 16_000,
      targetModels: ['unsloth/Meta-Llama-3.1-8B-Instruct'],
      compressRate: { min: 0.1, max: 0.8 },
      requestsPerEpoch: 256,
    },
  },
};

export const DEFAULT_TIER_PRESET = 'documented';

function tier(name: string, min: number, max: number, chars: number, timeoutMs: number): TierSpec {
  return {
    name,
    output: 'kv-cache',
    minCondensedTokens: min,
    maxCondensedTokens: max,
    maxContextChars: chars,
    timeoutMs,
    targetModels: [...MISTRAL],
    requestsPerEpoch: 256,
  };
}
