import type { ScorerPress } from '@neural-condense/sdk';
import { maxOf, meanWindowAttention } from './attention-math.js';
import { lastWindow } from './snapkv.js';

/**
 * TOVA (Oren et al. 2024): the last query's attention to each earlier key, averaged over
 * all query heads, so every kv head keeps the same tokens; the last token scores max+1.
 */
export function tovaPress(): ScorerPress {
  return {
    name: 'tova',
    needs: { queryWindow: 1 },
    score(layer, { config, tokens: S }) {
      const { numHeads: nH, numKvHeads: H } = config;
      const attn = meanWindowAttention(lastWindow(layer.queryWindow, nH, config.headDim, 1), layer.key, config, S, 1);
      const cols = S - 1;
      const shared = new Float64Array(cols);
      for (let hh = 0; hh < nH; hh++) for (let t = 0; t < cols; t++) shared[t] += attn[hh * cols + t] / nH;
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
