import { describe, expect, it } from 'vitest';
import { createKvCache } from '../kv-cache.js';
import { float32ToHalf, fromHalf, toHalf } from '../float16.js';
import { collectBytes, encodeKvCacheNpy } from './encode.js';
import { decodeNpy } from './decode.js';
import { encodeNpyHeader, parseNpyHeader } from './header.js';

function cache(tokens: number, fill: (i: number) => number) {
  const shape = { layers: 3, kvHeads: 2, tokens, headDim: 16 };
  const n = shape.kvHeads * tokens * shape.headDim;
  const data = Array.from({ length: shape.layers }, (_, l) => ({
    key: Float32Array.from({ length: n }, (_, i) => fill(l * 1000 + i)),
    value: Float32Array.from({ length: n }, (_, i) => fill(l * 1000 + i + 500)),
  }));
  return createKvCache(shape, data);
}

describe('.npy header', () => {
  it('is format 1.0 with the data 64-byte aligned and a parseable dict', () => {
    const h = encodeNpyHeader('<f2', [32, 2, 1, 8, 1024, 128]);
    expect([...h.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(h.length % 64).toBe(0);
    expect(h[h.length - 1]).toBe(0x0a);
    const text = new TextDecoder().decode(h.subarray(10));
    expect(text.startsWith("{'descr': '<f2', 'fortran_order': False, 'shape': (32, 2, 1, 8, 1024, 128), }")).toBe(true);
    expect(parseNpyHeader(h)).toEqual({ descr: '<f2', fortranOrder: false, shape: [32, 2, 1, 8, 1024, 128], dataOffset: h.length });
  });

  it('rejects garbage', () => {
    expect(() => parseNpyHeader(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrow(/bad magic/);
  });
});

describe('encodeKvCacheNpy', () => {
  it('lays out (layers, 2, 1, kv_heads, tokens, head_dim) in C order, float32 exactly', async () => {
    const c = cache(5, (i) => i * 0.5 - 3);
    const npy = encodeKvCacheNpy(c, 'float32');
    const bytes = await collectBytes(npy.chunks());
    expect(bytes.length).toBe(npy.size);
    const d = decodeNpy(bytes);
    expect(d.shape).toEqual([3, 2, 1, 2, 5, 16]);
    const per = 2 * 5 * 16;
    for (let l = 0; l < 3; l++) {
      expect(d.data.subarray((l * 2) * per, (l * 2 + 1) * per)).toEqual(c.data[l].key);
      expect(d.data.subarray((l * 2 + 1) * per, (l * 2 + 2) * per)).toEqual(c.data[l].value);
    }
  });

  it('writes float16 by default, rounding like numpy and passing half-float input through unchanged', async () => {
    const c = cache(4, (i) => Math.sin(i) * 100);
    const bytes = await collectBytes(encodeKvCacheNpy(c).chunks());
    const d = decodeNpy(bytes);
    expect(d.descr).toBe('<f2');
    expect(bytes.length).toBe(parseNpyHeader(bytes).dataOffset + 3 * 2 * 2 * 4 * 16 * 2);
    for (let i = 0; i < 20; i++) expect(d.data[i]).toBe(fromHalf(toHalf(c.data[0].key[i])));
    const half = createKvCache(c, c.data.map((layer) => ({ key: float32ToHalf(layer.key as Float32Array), value: float32ToHalf(layer.value as Float32Array) })));
    expect(await collectBytes(encodeKvCacheNpy(half).chunks())).toEqual(bytes);
  });

  it('decodes from a Node Buffer at an unaligned offset', async () => {
    const c = cache(3, (i) => i / 8);
    const bytes = await collectBytes(encodeKvCacheNpy(c, 'float32').chunks());
    const padded = Buffer.alloc(bytes.length + 3);
    padded.set(bytes, 3);
    const d = decodeNpy(padded.subarray(3));
    expect(d.data.subarray(0, 96)).toEqual(c.data[0].key);
  });

  it('refuses a cache whose tensors do not match its shape', () => {
    expect(() => createKvCache({ layers: 1, kvHeads: 2, tokens: 3, headDim: 16 }, [{ key: new Float32Array(96), value: new Float32Array(95) }])).toThrow(/value has 95 elements, expected 96/);
  });
});

describe('float16', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds to infinity, as numpy
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // ties to even -> 0
    [1 + 2 ** -11, 0x3c00], // tie -> even
    [1 + 3 * 2 ** -11, 0x3c02], // tie -> even (up)
    [Infinity, 0x7c00],
  ])('toHalf(%d) = %i', (value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });

  it('float32ToHalf agrees with an independent round-to-nearest-even on 16M float32 bit patterns', () => {
    // Reference: exact arithmetic on doubles. A half's spacing near v is 2^(e-10), with e
    // clamped at -14 for subnormals; round v/spacing to the nearest integer, ties to even.
    const ref = (v: number, bits: number): number => {
      if (Number.isNaN(v)) return ((bits >>> 16) & 0x8000) | 0x7e00; // sign kept, payload canonical
      const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
      const a = Math.abs(v);
      if (a >= 65520) return sign | 0x7c00;
      const e = Math.max(Math.floor(Math.log2(a || 2 ** -30)), -14);
      const spacing = 2 ** (e - 10);
      const q = a / spacing;
      let n = Math.floor(q);
      if (q - n > 0.5 || (q - n === 0.5 && n % 2 === 1)) n++;
      const value = n * spacing; // exact
      if (value === 0) return sign;
      const he = Math.max(Math.floor(Math.log2(value)), -14);
      return he === -14 && value < 2 ** -14 ? sign | (value / 2 ** -24) : sign | ((he + 15) << 10) | (value / 2 ** he - 1) * 1024;
    };
    const bits = new Uint32Array(1 << 24);
    for (let i = 0; i < bits.length; i++) bits[i] = (i * 256 + (i % 251)) >>> 0; // every exponent, varied low bits
    const floats = new Float32Array(bits.buffer);
    const halves = float32ToHalf(floats);
    let mismatches = 0;
    for (let i = 0; i < floats.length; i++) {
      const want = ref(floats[i], bits[i]);
      if (halves[i] !== want && mismatches++ < 5) expect([bits[i].toString(16), halves[i]]).toEqual([bits[i].toString(16), want]);
    }
    expect(mismatches).toBe(0);
  });

  it('round-trips every finite half value', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      expect(toHalf(fromHalf(h))).toBe(h);
    }
  });
});
