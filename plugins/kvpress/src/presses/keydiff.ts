import type { ScorerPress } from '@neural-condense/sdk';
import { rowNorm } from './attention-math.js';

/**
 * KeyDiff (Park et al. 2025): keep the most distinctive keys. The anchor is the mean of
 * the unit-normalised keys of the head; score = −cos(k, anchor).
 */
export function keyDiffPress(): ScorerPress {
  return {
    name: 'keydiff',
    needs: {},
    score(layer, { config, tokens: S }) {
      const { numKvHeads: H, headDim: d } = config;
      const scores = new Float32Array(H * S);
      const anchor = new Float64Array(d);
      for (let h = 0; h < H; h++) {
        anchor.fill(0);
        for (let t = 0; t < S; t++) {
          const norm = Math.max(rowNorm(layer.key, h * S + t, d), 1e-12); // F.normalize's eps
          for (let c = 0; c < d; c++) anchor[c] += layer.key[(h * S + t) * d + c] / norm / S;
        }
        let anchorNorm = 0;
        for (let c = 0; c < d; c++) anchorNorm += anchor[c] ** 2;
        anchorNorm = Math.sqrt(anchorNorm);
        for (let t = 0; t < S; t++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += layer.key[(h * S + t) * d + c] * anchor[c];
          scores[h * S + t] = -dot / Math.max(rowNorm(layer.key, h * S + t, d) * anchorNorm, 1e-8); // cosine_similarity's eps
        }
      }
      return scores;
    },
  };
}
