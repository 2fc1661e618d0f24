import type { DecoderConfig } from './types.js';

// Rotary position embedding in the Hugging Face convention: a head vector of size d is split
// into halves (x1 = x[0:d/2], x2 = x[d/2:d]); pair (i, i + d/2) is rotated by angle
// pos * invFreq[i]. rotate_half(x) = cat(-x2, x1), out = x * cos + rotate_half(x) * sin.

/** The RoPE fields of a DecoderConfig. */
export type RopeConfig = Pick<DecoderConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>;

/**
 * Inverse frequencies, d/2 of them, as transformers computes them: the base frequencies are
 * float32 (`1 / theta ** (arange(0, d, 2).float() / d)`), then scaled (`linear`, `llama3`)
 * and rounded to float32 again, so the values equal the model's `inv_freq` buffer.
 */
export function ropeInvFreq(config: RopeConfig): Float64Array {
  const d = config.headDim;
  const half = d / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    const exponent = Math.fround((2 * i) / d);
    inv[i] = Math.fround(1 / Math.fround(config.ropeTheta ** exponent));
  }
  const s = config.ropeScaling;
  if (!s) return inv;
  if (s.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] = Math.fround(inv[i] / s.factor);
    return inv;
  }
  // llama3: long wavelengths are divided by `factor`, short ones kept, the band between
  // interpolated linearly in 1/wavelength.
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < half; i++) {
    const f = inv[i];
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) continue;
    if (wavelen > lowWavelen) {
      inv[i] = Math.fround(f / s.factor);
      continue;
    }
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    inv[i] = Math.fround((1 - smooth) * (f / s.factor) + smooth * f);
  }
  return inv;
}

/** cos/sin tables [positions.length, d] in the HF layout (the d/2 angles repeated twice). */
export interface RopeTables {
  cos: Float64Array;
  sin: Float64Array;
  headDim: number;
}

/** Builds cos/sin tables for the given positions. */
export function ropeTables(invFreq: Float64Array, positions: ArrayLike<number>): RopeTables {
  const half = invFreq.length;
  const d = half * 2;
  const cos = new Float64Array(positions.length * d);
  const sin = new Float64Array(positions.length * d);
  for (let p = 0; p < positions.length; p++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[p] * invFreq[i];
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * d + i] = c;
      cos[p * d + i + half] = c;
      sin[p * d + i] = s;
      sin[p * d + i + half] = s;
    }
  }
  return { cos, sin, headDim: d };
}

/**
 * Applies RoPE in place to `x` laid out [heads, n, d], where row t of every head uses row t
 * of the tables (so the tables have n rows).
 */
export function applyRotary(x: Float64Array | Float32Array, heads: number, n: number, tables: RopeTables): void {
  const d = tables.headDim;
  const half = d / 2;
  for (let h = 0; h < heads; h++) {
    for (let t = 0; t < n; t++) {
      const base = (h * n + t) * d;
      const tb = t * d;
      for (let i = 0; i < half; i++) {
        const x1 = x[base + i];
        const x2 = x[base + i + half];
        x[base + i] = x1 * tables.cos[tb + i] - x2 * tables.sin[tb + i];
        x[base + i + half] = x2 * tables.cos[tb + i + half] + x1 * tables.sin[tb + i + half];
      }
    }
  }
}

/**
 * Moves post-RoPE keys [kvHeads, n, d] from the positions they were rotated at to new
 * positions: a rotation by Δ = to − from per token (RoPE rotations compose additively).
 * Used to re-place kept keys (kvpress' KeyRerotationPress, spec §2.2). Returns a new array.
 */
export function rerotateKeys(
  keys: Float32Array,
  kvHeads: number,
  fromPositions: ArrayLike<number>,
  toPositions: ArrayLike<number>,
  invFreq: Float64Array,
): Float32Array {
  const n = fromPositions.length;
  if (toPositions.length !== n) throw new RangeError(`rerotateKeys: ${n} source positions but ${toPositions.length} target positions`);
  const d = invFreq.length * 2;
  if (keys.length !== kvHeads * n * d) throw new RangeError(`rerotateKeys: keys have ${keys.length} values, expected ${kvHeads}x${n}x${d}`);
  const delta = new Float64Array(n);
  for (let t = 0; t < n; t++) delta[t] = toPositions[t] - fromPositions[t];
  const out = Float64Array.from(keys);
  applyRotary(out, kvHeads, n, ropeTables(invFreq, delta));
  return Float32Array.from(out);
}
