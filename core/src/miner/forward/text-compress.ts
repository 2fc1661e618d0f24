import type { TierSpec } from '@neural-condense/sdk';
import { CompressorError } from '@neural-condense/sdk';
import type { CondenseOptions, CondenseService } from '../../pipeline/types.js';
import { emptySynapse, type TextCompressProtocol } from '../protocol/synapse.js';

/**
 * Answers a TextCompressProtocol as the original miner did: a kv-cache tier returns a
 * FRESH synapse holding only `compressed_kv_url` (so the validator's copy is overwritten
 * with defaults elsewhere); a text tier returns the request with `compressed_context` set.
 */
export async function forwardTextCompress(
  synapse: TextCompressProtocol,
  tier: TierSpec,
  service: CondenseService,
  options: CondenseOptions,
): Promise<TextCompressProtocol> {
  const output = await service.condense({ context: synapse.context, targetModel: synapse.target_model }, options);
  if (tier.output === 'text') {
    if (typeof output.compressed_context !== 'string') throw new CompressorError('backend', `tier ${tier.name} needs compressed_context but the backend returned none`);
    return { ...synapse, compressed_context: output.compressed_context };
  }
  if (typeof output.compressed_kv_url !== 'string' || output.compressed_kv_url === '') {
    throw new CompressorError('backend', `tier ${tier.name} needs compressed_kv_url but the backend returned none`);
  }
  const fresh = emptySynapse('TextCompressProtocol');
  fresh.compressed_kv_url = output.compressed_kv_url;
  return fresh;
}
