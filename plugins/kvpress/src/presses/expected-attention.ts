import type { ScorerPress } from '@neural-condense/sdk';
import { maxOf, meanOverGroup, prefillExtra, rowNorm, softmaxInPlace } from './attention-math.js';

/** Options of the ExpectedAttention press. */
export interface ExpectedAttentionPressOptions {
  /** Future positions the average rotation covers. Default 512. */
  nFuturePositions?: number;
  /** First tokens excluded from the statistics and always kept. Default 4. */
  nSink?: number;
  /** Add the covariance term ½·kᵀΣ'k/d. Default true. */
  useCovariance?: boolean;
  /** Multiply by ‖v‖₂. Default true. */
  useVnorm?: boolean;
  /** Added to the attention before the ‖v‖ product. Default 0. */
  epsilon?: number;
}

/**
 * ExpectedAttention (kvpress): model future queries as a Gaussian fitted on the prefill's
 * pre-RoPE queries (positions ≥ nSink), rotated by the average RoPE rotation R̄ over the
 * next `nFuturePositions` positions: μ' = R̄μ, Σ' = R̄ΣR̄ᵀ. The prefill computes the expected
 * logit k·μ'/√d + ½·kᵀΣ'k/d of every key (`expectedAttention`); here: softmax over keys
 * nSink..S-1, mean over the group, × ‖v‖. The sinks score max+1.
 */
export function expectedAttentionPress(options: ExpectedAttentionPressOptions = {}): ScorerPress {
  const nFuture = options.nFuturePositions ?? 512;
  const nSink = options.nSink ?? 4;
  const useCov = options.useCovariance ?? true;
  const useVnorm = options.useVnorm ?? true;
  const epsilon = options.epsilon ?? 0;
  return {
    name: `expected-attention(n_future=${nFuture},n_sink=${nSink}${useCov ? '' : ',no-cov'}${useVnorm ? '' : ',no-vnorm'})`,
    needs: { expectedAttention: { skipFirst: nSink, futurePositions: nFuture, covariance: useCov } },
    score(layer, { config, tokens: S }) {
      const { numHeads: nH, numKvHeads: H, headDim: d } = config;
      const logits = prefillExtra(layer.expectedAttentionLogits, 'expectedAttention', nH * S);
      const sink = Math.min(nSink, S);
      const n = S - sink;
      const perHead = new Float64Array(nH * n);
      for (let hh = 0; hh < nH; hh++) {
        for (let t = 0; t < n; t++) perHead[hh * n + t] = logits[hh * S + sink + t];
        softmaxInPlace(perHead, hh * n, (hh + 1) * n);
      }
      const perKv = meanOverGroup(perHead, config, n);
      if (useVnorm) for (let h = 0; h < H; h++) for (let t = 0; t < n; t++) perKv[h * n + t] = (perKv[h * n + t] + epsilon) * rowNorm(layer.value, h * S + sink + t, d);
      const pad = maxOf(perKv) + 1;
      const scores = new Float32Array(H * S);
      for (let h = 0; h < H; h++) for (let t = 0; t < S; t++) scores[h * S + t] = t < sink ? pad : perKv[h * n + t - sink];
      return scores;
    },
  };
}
