import { ropeTables, type RopeTables } from './rope.js';

/**
 * R̄, the mean RoPE rotation over positions [from, from + count) (ExpectedAttention's
 * rotation of future queries), as a one-row RopeTables: rotations of a pair compose
 * linearly, so the mean of the rotation matrices is the rotation with the mean cos and sin
 * per frequency, and `applyRotary` with these tables computes R̄x. Float64.
 */
export function averageRopeRotation(invFreq: Float64Array, from: number, count: number): RopeTables {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`averageRopeRotation: count must be a positive integer, got ${count}`);
  const d = invFreq.length * 2;
  const rows = ropeTables(invFreq, Array.from({ length: count }, (_, p) => from + p));
  const cos = new Float64Array(d);
  const sin = new Float64Array(d);
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < d; i++) {
      cos[i] += rows.cos[p * d + i] / count;
      sin[i] += rows.sin[p * d + i] / count;
    }
  }
  return { cos, sin, headDim: d };
}
