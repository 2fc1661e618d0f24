import type { ScorerPress } from '@neural-condense/sdk';
import { maxOf, meanOverGroup, prefillExtra } from './attention-math.js';

/** Options of the SnapKV press. */
export interface SnapKvPressOptions {
  /** Recent queries whose attention scores the rest. Default 64. */
  windowSize?: number;
  /** Odd average-pooling kernel smoothing the scores. Default 5. */
  kernelSize?: number;
}

/**
 * SnapKV (Li et al. 2024): the last `w` queries' attention to each earlier key, averaged
 * over the window (computed by the prefill, `windowAttention`), smoothed by
 * avg_pool1d(kernel, zero padding, divisor kernel), averaged over the group's query heads.
 * The window itself scores max+1 so it is always kept. A context of at most `w` tokens
 * uses a window of S−1 (kvpress asserts S > w instead).
 */
export function snapKvPress(options: SnapKvPressOptions = {}): ScorerPress {
  const windowSize = options.windowSize ?? 64;
  const kernel = options.kernelSize ?? 5;
  if (kernel % 2 !== 1) throw new RangeError(`snapkv kernelSize must be odd, got ${kernel}`);
  return {
    name: `snapkv(window=${windowSize},kernel=${kernel})`,
    needs: { windowAttention: windowSize },
    score(layer, { config, tokens: S }) {
      const attn = prefillExtra(layer.windowAttention, 'windowAttention', config.numHeads * S);
      const cols = S - Math.min(windowSize, S - 1);
      const pooled = avgPool(attn, config.numHeads, S, cols, kernel);
      const perKv = meanOverGroup(pooled, config, cols);
      const pad = maxOf(perKv) + 1;
      const scores = new Float32Array(config.numKvHeads * S);
      for (let h = 0; h < config.numKvHeads; h++) {
        for (let t = 0; t < S; t++) scores[h * S + t] = t < cols ? perKv[h * cols + t] : pad;
      }
      return scores;
    },
  };
}

/** avg_pool1d(kernel, stride 1, padding kernel//2) over the first `n` of `stride` columns per row, zeros outside, divisor `kernel`. */
function avgPool(x: Float32Array, rows: number, stride: number, n: number, kernel: number): Float64Array {
  const half = Math.floor(kernel / 2);
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < n; t++) {
      let s = 0;
      for (let j = Math.max(0, t - half); j <= Math.min(n - 1, t + half); j++) s += x[r * stride + j];
      out[r * n + t] = s / kernel;
    }
  }
  return out;
}
