import type { ScorerPress } from '@neural-condense/sdk';
import { maxOf, meanOverGroup, meanWindowAttention } from './attention-math.js';

/** Options of the SnapKV press. */
export interface SnapKvPressOptions {
  /** Recent queries whose attention scores the rest. Default 64. */
  windowSize?: number;
  /** Odd average-pooling kernel smoothing the scores. Default 5. */
  kernelSize?: number;
}

/**
 * SnapKV (Li et al. 2024): the last `w` queries' attention to each earlier key, averaged
 * over the window, smoothed by avg_pool1d(kernel, zero padding, divisor kernel), averaged
 * over the group's query heads. The window itself scores max+1 so it is always kept. A
 * context of at most `w` tokens uses a window of S−1 (kvpress asserts S > w instead).
 */
export function snapKvPress(options: SnapKvPressOptions = {}): ScorerPress {
  const windowSize = options.windowSize ?? 64;
  const kernel = options.kernelSize ?? 5;
  if (kernel % 2 !== 1) throw new RangeError(`snapkv kernelSize must be odd, got ${kernel}`);
  return {
    name: `snapkv(window=${windowSize},kernel=${kernel})`,
    needs: { queryWindow: windowSize },
    score(layer, { config, tokens: S }) {
      const w = Math.min(windowSize, S - 1);
      const queries = lastWindow(layer.queryWindow, config.numHeads, config.headDim, w);
      const cols = S - w;
      const attn = meanWindowAttention(queries, layer.key, config, S, w);
      const pooled = avgPool(attn, config.numHeads, cols, kernel);
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

/** The last `w` rows per head of the prefill's query window [heads, have, d]. */
export function lastWindow(queryWindow: Float32Array | undefined, heads: number, d: number, w: number): Float32Array {
  if (!queryWindow) throw new Error('the prefill returned no query window; run it with the press needs (extras.queryWindow)');
  const have = queryWindow.length / (heads * d);
  if (have < w) throw new RangeError(`the prefill returned a query window of ${have} positions, the press needs ${w}`);
  if (have === w) return queryWindow;
  const out = new Float32Array(heads * w * d);
  for (let h = 0; h < heads; h++) out.set(queryWindow.subarray((h * have + have - w) * d, (h * have + have) * d), h * w * d);
  return out;
}

/** avg_pool1d(kernel, stride 1, padding kernel//2) per row, zeros outside, divisor `kernel`. */
function avgPool(x: Float64Array, rows: number, n: number, kernel: number): Float64Array {
  const half = Math.floor(kernel / 2);
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < n; t++) {
      let s = 0;
      for (let j = Math.max(0, t - half); j <= Math.min(n - 1, t + half); j++) s += x[r * n + j];
      out[r * n + t] = s / kernel;
    }
  }
  return out;
}
