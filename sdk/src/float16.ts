// IEEE 754 binary16 <-> binary32 conversion. Node 20 has no Float16Array, and the .npy
// writer converts millions of values per request, so these are table-free and branch-light.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Converts one float32 to half-float bits, rounding to nearest even (as numpy's astype). */
export function toHalf(value: number): number {
  f32[0] = value;
  return bitsToHalf(u32[0]);
}

/** float32 bit pattern -> half bits; the hot loop of `float32ToHalf`. */
function bitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  // Normal halves (2^-14 <= |v| < 65520, the common case): rebase the exponent by
  // (127 - 15) << 23 and round to nearest even in one add; a carry out of the
  // mantissa correctly bumps the exponent, up to Inf for [65520, 65536).
  if (abs >= 0x38800000 && abs < 0x47800000) return sign | ((abs - 0x38000000 + 0x0fff + ((abs >>> 13) & 1)) >>> 13);
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let out = mant >>> shift;
    if (rest > half || (rest === half && (out & 1))) out++;
    return sign | out;
  }
  let out = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1))) out++; // may carry into exponent: still correct
  return sign | out;
}

/** Converts half-float bits to a number. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts a float32 array into half-float bits, writing into `out` (allocated if absent). */
export function float32ToHalf(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) out[i] = bitsToHalf(bits[i]);
  return out;
}

/** Converts half-float bits into float32, writing into `out` (allocated if absent). */
export function halfToFloat32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) out[i] = fromHalf(src[i]);
  return out;
}
