import type { ScorerPress } from '@neural-condense/sdk';
import { mulberry32 } from '@neural-condense/sdk/llm';

/** Options of the random press. */
export interface RandomPressOptions {
  /** Seed; each layer draws from `seed` mixed with its index. Unset: a fresh seed per call. */
  seed?: number;
}

/** Random (kvpress' lower bound): uniform random scores, so a uniformly random subset per head. */
export function randomPress(options: RandomPressOptions = {}): ScorerPress {
  return {
    name: options.seed === undefined ? 'random' : `random(seed=${options.seed})`,
    needs: {},
    score(_layer, { config, tokens, layerIndex }) {
      const seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Math.imul(options.seed ^ 0x5bd1e995, layerIndex + 1);
      const rand = mulberry32(seed);
      return Float32Array.from({ length: config.numKvHeads * tokens }, rand);
    },
  };
}
