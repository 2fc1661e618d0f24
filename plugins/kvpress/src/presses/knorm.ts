import type { ScorerPress } from '@neural-condense/sdk';
import { rowNorm } from './attention-math.js';

/**
 * Knorm (Devoto et al. 2024, the subnet's baseline): keep the keys with the smallest L2
 * norm. score = −‖k‖₂; RoPE is a rotation, so post-RoPE norms equal pre-RoPE ones.
 */
export function knormPress(): ScorerPress {
  return {
    name: 'knorm',
    needs: {},
    score(layer, { config, tokens }) {
      const rows = config.numKvHeads * tokens;
      const scores = new Float32Array(rows);
      for (let r = 0; r < rows; r++) scores[r] = -rowNorm(layer.key, r, config.headDim);
      return scores;
    },
  };
}
