import { describe, expect, it } from 'vitest';
import { applyRotary, rerotateKeys, ropeInvFreq, ropeTables } from './rope.js';

const plain = { headDim: 8, ropeTheta: 10000, ropeScaling: null };

/** Closed form: RoPE multiplies the complex number (x_i + i·x_{i+d/2}) by e^{i·p·θ_i}. */
function rotateComplex(x: number[], p: number, inv: ArrayLike<number>): number[] {
  const half = x.length / 2;
  const out = [...x];
  for (let i = 0; i < half; i++) {
    const [re, im] = [x[i], x[i + half]];
    const [c, s] = [Math.cos(p * inv[i]), Math.sin(p * inv[i])];
    out[i] = re * c - im * s;
    out[i + half] = re * s + im * c;
  }
  return out;
}

describe('ropeInvFreq', () => {
  it('is theta^(-2i/d), rounded to float32 like the model buffer', () => {
    const inv = ropeInvFreq(plain);
    expect(inv.length).toBe(4);
    expect(inv[0]).toBe(1);
    expect(inv[1]).toBe(Math.fround(0.1)); // 10000^(-1/4)
    expect(inv[2]).toBe(Math.fround(0.01));
    expect(inv[3]).toBeCloseTo(0.001, 9);
  });

  it('divides every frequency by the factor for linear scaling', () => {
    const inv = ropeInvFreq({ ...plain, ropeScaling: { type: 'linear', factor: 4 } });
    expect(inv[1]).toBeCloseTo(0.025, 8);
  });

  it('applies Llama 3.1 scaling by band (d=128, theta 5e5, factor 8, 1/4, 8192)', () => {
    const base = ropeInvFreq({ headDim: 128, ropeTheta: 500000, ropeScaling: null });
    const inv = ropeInvFreq({ headDim: 128, ropeTheta: 500000, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } });
    // Wavelength 2π·500000^(i/64) is below 8192/4 for i <= 28 and above 8192 for i >= 35.
    for (let i = 0; i <= 28; i++) expect(inv[i]).toBe(base[i]);
    for (let i = 35; i < 64; i++) expect(inv[i]).toBe(Math.fround(base[i] / 8));
    for (let i = 29; i <= 34; i++) {
      expect(inv[i]).toBeLessThan(base[i]);
      expect(inv[i]).toBeGreaterThan(base[i] / 8);
    }
  });

  it('matches a hand-computed smoothed frequency (d=16, theta 5e5, original context 64)', () => {
    const inv = ropeInvFreq({ headDim: 16, ropeTheta: 500000, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 } });
    expect(inv[0]).toBe(1); // wavelength 2π < 16: kept
    expect(inv[1]).toBeCloseTo(0.079403009, 6); // wavelength 32.4: s = (64/32.4 - 1)/3 = 0.3251
    expect(inv[2]).toBeCloseTo(0.0047007539, 8); // wavelength 167 > 64: divided by 8
  });
});

describe('applyRotary', () => {
  it('equals the complex-multiplication closed form at every position', () => {
    const inv = ropeInvFreq(plain);
    const positions = [0, 1, 7, 1000];
    const x = Float64Array.from({ length: 2 * positions.length * 8 }, (_, i) => Math.sin(i * 1.7) + 0.1 * i);
    const copy = Array.from(x);
    applyRotary(x, 2, positions.length, ropeTables(inv, positions));
    for (let h = 0; h < 2; h++) {
      positions.forEach((p, t) => {
        const at = (h * positions.length + t) * 8;
        const expected = rotateComplex(copy.slice(at, at + 8), p, inv);
        expected.forEach((v, i) => expect(x[at + i]).toBeCloseTo(v, 12));
      });
    }
    // Position 0 is the identity.
    expect(Array.from(x.subarray(0, 8))).toEqual(copy.slice(0, 8));
  });
});

describe('rerotateKeys', () => {
  it('turns keys rotated at old positions into keys rotated at new positions', () => {
    const inv = ropeInvFreq(plain);
    const raw = Array.from({ length: 2 * 3 * 8 }, (_, i) => Math.cos(i * 0.37) * 2);
    const from = [5, 9, 40];
    const to = [0, 1, 2];
    const atFrom = Float64Array.from(raw);
    applyRotary(atFrom, 2, 3, ropeTables(inv, from));
    const atTo = Float64Array.from(raw);
    applyRotary(atTo, 2, 3, ropeTables(inv, to));
    const moved = rerotateKeys(Float32Array.from(atFrom), 2, from, to, inv);
    for (let i = 0; i < moved.length; i++) expect(moved[i]).toBeCloseTo(atTo[i], 5);
    expect(() => rerotateKeys(new Float32Array(48), 2, from, [0, 1], inv)).toThrow(/3 source positions but 2 target/);
  });
});
