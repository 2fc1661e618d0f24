import { float32ToHalf } from '../float16.js';
import type { KvData } from '../kv-cache.js';
import { rerotateKeys } from '../llm/rope.js';
import { kvAsFloat32 } from './kv-float.js';

/**
 * Moves kept keys [heads, k, headDim] (post-RoPE, head h kept from `positions[h*k + j]`,
 * ascending) to the positions `end-k .. end-1`, right before a validator question that
 * starts at `end` (spec §2.2). RoPE scores depend only on position differences, so each
 * key is rotated by Δ = new − old; the order of kept tokens is preserved. Half-float keys
 * are rotated in float64 and rounded back to half.
 */
export function rerotateKeptKeys<T extends KvData>(keys: T, heads: number, k: number, positions: Int32Array, end: number, invFreq: Float64Array): T {
  const d = invFreq.length * 2;
  if (keys.length !== heads * k * d) throw new RangeError(`rerotateKeptKeys: keys have ${keys.length} values, expected ${heads}x${k}x${d}`);
  if (end < k) throw new RangeError(`rerotateKeptKeys: cannot place ${k} keys before position ${end}`);
  const f32 = kvAsFloat32(keys);
  const out = new Float32Array(f32.length);
  const target = Int32Array.from({ length: k }, (_, j) => end - k + j);
  for (let h = 0; h < heads; h++) {
    const from = positions.subarray(h * k, (h + 1) * k);
    out.set(rerotateKeys(f32.subarray(h * k * d, (h + 1) * k * d), 1, from, target, invFreq), h * k * d);
  }
  return (keys instanceof Float32Array ? out : float32ToHalf(out)) as T;
}
