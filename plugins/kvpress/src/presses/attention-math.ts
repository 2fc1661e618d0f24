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

/** A prefill extra the press declared in `needs`, checked for its length. */
export function prefillExtra(value: Float32Array | undefined, extra: string, length: number): Float32Array {
  if (!value) throw new Error(`the prefill returned no ${extra}; run it with the press needs (extras.${extra})`);
  if (value.length !== length) throw new RangeError(`the prefill's ${extra} has ${value.length} values, the press expects ${length}`);
  return value;
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
