import type { ScorerPress } from '@neural-condense/sdk';
import { maxOf, prefillExtra } from './attention-math.js';

/**
 * TOVA (Oren et al. 2024): the last query's attention to each earlier key (the prefill's
 * `windowAttention` with a window of one), averaged over all query heads, so every kv head
 * keeps the same tokens; the last token scores max+1.
 */
export function tovaPress(): ScorerPress {
  return {
    name: 'tova',
    needs: { windowAttention: 1 },
    score(layer, { config, tokens: S }) {
      const { numHeads: nH, numKvHeads: H } = config;
      const attn = prefillExtra(layer.windowAttention, 'windowAttention', nH * S);
      const cols = S - 1;
      const shared = new Float64Array(cols);
      for (let hh = 0; hh < nH; hh++) for (let t = 0; t < cols; t++) shared[t] += attn[hh * S + t] / nH;
      const pad = maxOf(shared) + 1;
      const scores = new Float32Array(H * S);
      for (let h = 0; h < H; h++) {
        scores.set(shared, h * S);
        scores[h * S + cols] = pad;
      }
      return scores;
    },
  };
}
