import type { DecoderConfig } from '@neural-condense/sdk/llm';

// Small numeric helpers the attention-based presses share. Heads follow transformers'
// repeat_kv: query head hh reads kv head floor(hh / group).

/** Query heads per kv head. */
export function groupSize(config: DecoderConfig): number {
  return config.numHeads / config.numKvHeads;
}

/** In-place softmax of `x[from, to)`. */
export function softmaxInPlace(x: Float64Array, from = 0, to = x.length): void {
  let max = -Infinity;
  for (let i = from; i < to; i++) if (x[i] > max) max = x[i];
  let sum = 0;
  for (let i = from; i < to; i++) {
    x[i] = Math.exp(x[i] - max);
    sum += x[i];
  }
  for (let i = from; i < to; i++) x[i] /= sum;
}

/**
 * Mean over the `w` window queries of their causal softmax attention over all S keys
 * (query i sits at position S-w+i and sees keys 0..S-w+i), for the columns before the
 * window: [numHeads, S-w]. `queries` are post-RoPE [numHeads, w, d]; `keys` [kvHeads, S, d].
 */
export function meanWindowAttention(queries: Float32Array, keys: Float32Array, config: DecoderConfig, S: number, w: number): Float64Array {
  const { numHeads: nH, headDim: d } = config;
  if (queries.length !== nH * w * d) throw new RangeError(`window queries have ${queries.length} values, expected ${nH}x${w}x${d}`);
  const g = groupSize(config);
  const scale = 1 / Math.sqrt(d);
  const cols = S - w;
  const out = new Float64Array(nH * cols);
  const logits = new Float64Array(S);
  for (let hh = 0; hh < nH; hh++) {
    const kv = Math.floor(hh / g);
    for (let i = 0; i < w; i++) {
      const q = (hh * w + i) * d;
      const visible = S - w + i + 1;
      for (let s = 0; s < visible; s++) {
        logits[s] = dotAt(queries, q, keys, (kv * S + s) * d, d) * scale;
      }
      softmaxInPlace(logits, 0, visible);
      for (let s = 0; s < cols; s++) out[hh * cols + s] += logits[s] / w;
    }
  }
  return out;
}

/** Mean over each kv head's group of query heads: [numHeads, n] → [kvHeads, n]. */
export function meanOverGroup(perHead: Float64Array, config: DecoderConfig, n: number): Float64Array {
  const g = groupSize(config);
  const out = new Float64Array(config.numKvHeads * n);
  for (let hh = 0; hh < config.numHeads; hh++) {
    const kv = Math.floor(hh / g);
    for (let t = 0; t < n; t++) out[kv * n + t] += perHead[hh * n + t] / g;
  }
  return out;
}

/** Largest finite-or-not value of an array (−Infinity when empty), as torch's `max().item()`. */
export function maxOf(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  return m;
}

/** L2 norm of row `t` of a [rows, d] array. */
export function rowNorm(x: Float32Array, t: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += x[t * d + c] ** 2;
  return Math.sqrt(s);
}

/** a[ao .. ao+n) · b[bo .. bo+n); four accumulators let V8 overlap the multiplies (≈1.6× faster). */
export function dotAt(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < n; c += 4) {
    s0 += a[ao + c] * b[bo + c];
    s1 += a[ao + c + 1] * b[bo + c + 1];
    s2 += a[ao + c + 2] * b[bo + c + 2];
    s3 += a[ao + c + 3] * b[bo + c + 3];
  }
  for (; c < n; c++) s0 += a[ao + c] * b[bo + c];
  return s0 + s1 + s2 + s3;
}
