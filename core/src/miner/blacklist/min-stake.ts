import type { MinerConfig } from '../config.js';

/** The original's MIN_STAKE default in TAO. */
export const DEFAULT_MIN_STAKE = 10_000;

/** `blacklist.minStake`, else the original's default: 10000 TAO, 0 on the `test` network. */
export function resolveMinStake(config: MinerConfig): number {
  if (config.blacklist.minStake !== undefined) return config.blacklist.minStake;
  return config.subtensor.network === 'test' ? 0 : DEFAULT_MIN_STAKE;
}
