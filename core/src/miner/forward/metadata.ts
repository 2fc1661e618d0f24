import type { TierSpec } from '@neural-condense/sdk';
import type { MetadataSynapse } from '../protocol/synapse.js';

/** Answers Metadata with the miner's tier, the one key validators read. */
export function forwardMetadata(synapse: MetadataSynapse, tier: TierSpec): MetadataSynapse {
  return { ...synapse, metadata: { tier: tier.name } };
}
