import type { ScorerPress } from '@neural-condense/sdk';
import { meanOverGroup } from './attention-math.js';

/**
 * ObservedAttention (H2O-style, kvpress): the attention each key received during the
 * prefill, Σᵢ A[i, j], divided by the S − j queries that could see it, averaged over the
 * group's query heads. Needs the prefill's attention column sums.
 */
export function observedAttentionPress(): ScorerPress {
  return {
    name: 'observed-attention',
    needs: { attentionColumnSums: true },
    score(layer, { config, tokens: S }) {
      const sums = layer.attentionColumnSums;
      if (!sums) throw new Error('the prefill returned no attention column sums; run it with the press needs (extras.attentionColumnSums)');
      const perHead = new Float64Array(config.numHeads * S);
      for (let hh = 0; hh < config.numHeads; hh++) for (let j = 0; j < S; j++) perHead[hh * S + j] = sums[hh * S + j] / (S - j);
      return Float32Array.from(meanOverGroup(perHead, config, S));
    },
  };
}
