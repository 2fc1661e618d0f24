import type { KvData } from '../kv-cache.js';

/**
 * Gathers rows of a [heads, tokens, headDim] tensor: head h keeps rows
 * `positions[h*k .. h*k+k)`. Returns [heads, k, headDim] of the same element type, so
 * half-float caches stay bit-exact.
 */
export function gatherRows<T extends KvData>(data: T, heads: number, tokens: number, headDim: number, positions: Int32Array, k: number): T {
  const out = (data instanceof Float32Array ? new Float32Array(heads * k * headDim) : new Uint16Array(heads * k * headDim)) as T;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < k; j++) {
      const src = (h * tokens + positions[h * k + j]) * headDim;
      out.set(data.subarray(src, src + headDim), (h * k + j) * headDim);
    }
  }
  return out;
}
