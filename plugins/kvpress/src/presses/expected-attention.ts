import type { ScorerPress } from '@neural-condense/sdk';
import { ropeInvFreq, type DecoderConfig } from '@neural-condense/sdk/llm';
import { dotAt, maxOf, meanOverGroup, rowNorm, softmaxInPlace } from './attention-math.js';

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
 * next `nFuturePositions` positions: μ' = R̄μ, Σ' = R̄ΣR̄ᵀ. Expected logit
 * k·μ'/√d + ½·kᵀΣ'k/d, softmax over keys nSink..S-1, mean over the group, × ‖v‖.
 * The sinks score max+1.
 */
export function expectedAttentionPress(options: ExpectedAttentionPressOptions = {}): ScorerPress {
  const nFuture = options.nFuturePositions ?? 512;
  const nSink = options.nSink ?? 4;
  const useCov = options.useCovariance ?? true;
  const useVnorm = options.useVnorm ?? true;
  const epsilon = options.epsilon ?? 0;
  return {
    name: `expected-attention(n_future=${nFuture},n_sink=${nSink}${useCov ? '' : ',no-cov'}${useVnorm ? '' : ',no-vnorm'})`,
    needs: { queryStats: { skipFirst: nSink } },
    score(layer, { config, tokens: S }) {
      const { numHeads: nH, numKvHeads: H, headDim: d } = config;
      if (!layer.queryMean || (useCov && !layer.queryCov)) throw new Error('the prefill returned no query statistics; run it with the press needs (extras.queryStats)');
      const sink = Math.min(nSink, S);
      const n = S - sink;
      const { cos, sin } = averageRotation(config, S, nFuture);
      const half = d / 2;
      const perHead = new Float64Array(nH * n);
      const mu = new Float64Array(d);
      const cov = new Float64Array(d * d);
      const k = new Float64Array(d);
      for (let hh = 0; hh < nH; hh++) {
        const kv = Math.floor(hh / (nH / H));
        rotateVector(layer.queryMean.subarray(hh * d, (hh + 1) * d), cos, sin, mu);
        if (useCov) rotateCovariance(layer.queryCov!.subarray(hh * d * d, (hh + 1) * d * d), cos, sin, half, cov);
        for (let t = 0; t < n; t++) {
          const row = (kv * S + sink + t) * d;
          for (let c = 0; c < d; c++) k[c] = layer.key[row + c];
          let logit = dotAt(k, 0, mu, 0, d) / Math.sqrt(d);
          if (useCov) {
            // Σ' is symmetric: kᵀΣ'k = Σᵢ kᵢ(Σ'ᵢᵢkᵢ + 2·Σ_{j>i} Σ'ᵢⱼkⱼ), half the products.
            let quad = 0;
            for (let i = 0; i < d; i++) {
              const row = i * d;
              quad += k[i] * (cov[row + i] * k[i] + 2 * dotAt(cov, row + i + 1, k, i + 1, d - i - 1));
            }
            logit += quad / d / 2;
          }
          perHead[hh * n + t] = logit;
        }
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

/**
 * R̄ = mean over p ∈ [S, S+n) of the RoPE rotation at p. Each pair (i, i+d/2) turns by
 * p·θᵢ, so R̄ is per pair [[c̄ᵢ, −s̄ᵢ], [s̄ᵢ, c̄ᵢ]] with the mean cosine and sine.
 */
function averageRotation(config: DecoderConfig, S: number, n: number): { cos: Float64Array; sin: Float64Array } {
  const inv = ropeInvFreq(config);
  const cos = new Float64Array(inv.length);
  const sin = new Float64Array(inv.length);
  for (let i = 0; i < inv.length; i++) {
    for (let p = S; p < S + n; p++) {
      cos[i] += Math.cos(p * inv[i]) / n;
      sin[i] += Math.sin(p * inv[i]) / n;
    }
  }
  return { cos, sin };
}

/** out = R̄x. */
function rotateVector(x: ArrayLike<number>, cos: Float64Array, sin: Float64Array, out: Float64Array): void {
  const half = cos.length;
  for (let i = 0; i < half; i++) {
    out[i] = cos[i] * x[i] - sin[i] * x[i + half];
    out[i + half] = sin[i] * x[i] + cos[i] * x[i + half];
  }
}

/** out = R̄ΣR̄ᵀ: rotate every column, then every row. */
function rotateCovariance(sigma: ArrayLike<number>, cos: Float64Array, sin: Float64Array, half: number, out: Float64Array): void {
  const d = half * 2;
  const tmp = new Float64Array(d * d);
  const col = new Float64Array(d);
  const rot = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < d; i++) col[i] = sigma[i * d + j];
    rotateVector(col, cos, sin, rot);
    for (let i = 0; i < d; i++) tmp[i * d + j] = rot[i];
  }
  for (let i = 0; i < d; i++) {
    rotateVector(tmp.subarray(i * d, (i + 1) * d), cos, sin, rot);
    out.set(rot, i * d);
  }
}
