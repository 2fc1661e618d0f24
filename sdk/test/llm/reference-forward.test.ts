import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  layerWeightName, loadCheckpoint, loadDecoderWeights, referenceForward, rerotateKeys, ropeInvFreq, TEST_MODELS, writeTestModel,
  type DecoderConfig, type TestModelSpec,
} from '@neural-condense/sdk/llm';
import { maxAbsDiff as maxDiff } from '../helpers/numeric.js';
import { useTempDir } from '../helpers/temp-dir.js';

// Invariants of the float64 reference forward that hold whatever the weights are.

const tmp = useTempDir('ref');

type Loaded = { config: DecoderConfig; weights: Map<string, Float32Array> };
const models = new Map<string, Promise<Loaded>>();
/** Writes (once per file) and loads a test model. */
function model(name: string, spec: TestModelSpec): Promise<Loaded> {
  if (!models.has(name)) {
    models.set(name, (async () => {
      await writeTestModel(join(tmp.path, name), spec);
      const ckpt = await loadCheckpoint(join(tmp.path, name));
      return { config: ckpt.config, weights: await loadDecoderWeights(ckpt) };
    })());
  }
  return models.get(name)!;
}

const ids = (n: number, salt = 0) => Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 3 + ((i * 7919 + salt * 104729) % 31990)));

/** Rows [from, to) of every head of a [heads, n, d] tensor. */
function tokenSlice(x: Float32Array, heads: number, n: number, d: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < heads; h++) out.push(...x.subarray((h * n + from) * d, (h * n + to) * d));
  return out;
}

describe('reference forward', () => {
  it('is causal: the presents of a prefix are the prefix of the presents', async () => {
    const { config, weights } = await model('gqa', TEST_MODELS.mistralGqa4);
    const full = referenceForward(config, weights, ids(48));
    const prefix = referenceForward(config, weights, ids(48).slice(0, 20));
    const { numKvHeads: kv, headDim: d } = config;
    full.layers.forEach((layer, l) => {
      expect(maxDiff(tokenSlice(layer.key as Float32Array, kv, 48, d, 0, 20), prefix.layers[l].key)).toBeLessThan(1e-6);
      expect(maxDiff(tokenSlice(layer.value as Float32Array, kv, 48, d, 0, 20), prefix.layers[l].value)).toBeLessThan(1e-6);
    });
    // ...and a later token does change what comes after it.
    const changed = referenceForward(config, weights, [...ids(48).slice(0, 30), 999, ...ids(48).slice(31)]);
    expect(maxDiff(tokenSlice(changed.layers[1].key as Float32Array, kv, 48, d, 0, 30), tokenSlice(full.layers[1].key as Float32Array, kv, 48, d, 0, 30))).toBeLessThan(1e-6);
    expect(maxDiff(tokenSlice(changed.layers[1].key as Float32Array, kv, 48, d, 31, 48), tokenSlice(full.layers[1].key as Float32Array, kv, 48, d, 31, 48))).toBeGreaterThan(1e-3);
  });

  it('applies a sliding window only where it hides keys', async () => {
    const { config, weights } = await model('sw', TEST_MODELS.mistralSlidingWindow);
    expect(config.slidingWindow).toBe(16);
    const full = { ...config, slidingWindow: null };
    const { numKvHeads: kv, headDim: d } = config;
    const n = 40;
    const a = referenceForward(config, weights, ids(n));
    const b = referenceForward(full, weights, ids(n));
    // Layer 0's cache depends on embeddings only; layer 1's on layer 0's attention output,
    // which differs only for tokens that can see more than 16 keys (t >= 16).
    expect(maxDiff(a.layers[0].key, b.layers[0].key)).toBe(0);
    expect(maxDiff(tokenSlice(a.layers[1].key as Float32Array, kv, n, d, 0, 16), tokenSlice(b.layers[1].key as Float32Array, kv, n, d, 0, 16))).toBeLessThan(1e-12);
    expect(maxDiff(tokenSlice(a.layers[1].key as Float32Array, kv, n, d, 16, n), tokenSlice(b.layers[1].key as Float32Array, kv, n, d, 16, n))).toBeGreaterThan(1e-3);
    // Column sums: key 0 is visible to queries 0..15 only.
    const sums = referenceForward(config, weights, ids(n), { attentionColumnSums: true }).layers[0].attentionColumnSums!;
    const sumsFull = referenceForward(full, weights, ids(n), { attentionColumnSums: true }).layers[0].attentionColumnSums!;
    expect(sums[0]).toBeLessThan(sumsFull[0]);
  });

  it('with kvHeads = heads and duplicated k/v weights equals GQA (query head h reads kv head floor(h / group))', async () => {
    const { config, weights } = await model('gqa', TEST_MODELS.mistralGqa4);
    const { numHeads: nH, numKvHeads: nKv, headDim: d, hiddenSize: H } = config;
    const group = nH / nKv;
    const mha: DecoderConfig = { ...config, numKvHeads: nH };
    const mhaWeights = new Map(weights);
    for (let l = 0; l < config.numLayers; l++) {
      for (const part of ['self_attn.k_proj.weight', 'self_attn.v_proj.weight']) {
        const w = weights.get(layerWeightName(l, part))!;
        const wide = new Float32Array(nH * d * H);
        for (let h = 0; h < nH; h++) wide.set(w.subarray(Math.floor(h / group) * d * H, (Math.floor(h / group) + 1) * d * H), h * d * H);
        mhaWeights.set(layerWeightName(l, part), wide);
      }
    }
    const n = 24;
    const a = referenceForward(config, weights, ids(n));
    const b = referenceForward(mha, mhaWeights, ids(n));
    a.layers.forEach((layer, l) => {
      for (let h = 0; h < nH; h++) {
        const g = Math.floor(h / group);
        expect(maxDiff(tokenSlice(b.layers[l].key as Float32Array, nH, n, d, 0, n).slice(h * n * d, (h + 1) * n * d), (layer.key as Float32Array).subarray(g * n * d, (g + 1) * n * d))).toBeLessThan(1e-9);
      }
    });
  });

  it('returns consistent press extras', async () => {
    const { config, weights } = await model('gqa', TEST_MODELS.mistralGqa4);
    const { numHeads: nH, headDim: d } = config;
    const n = 32;
    const out = referenceForward(config, weights, ids(n), { queryWindow: 4, queryStats: { skipFirst: n - 1 }, attentionColumnSums: true });
    for (const layer of out.layers) {
      expect(layer.queryWindow!.length).toBe(nH * 4 * d);
      // Each query's attention sums to 1, so a head's column sums total n.
      for (let h = 0; h < nH; h++) {
        const total = layer.attentionColumnSums!.subarray(h * n, (h + 1) * n).reduce((s, v) => s + v, 0);
        expect(total).toBeCloseTo(n, 5);
        // The first key is seen by every query, the last only by itself.
        expect(layer.attentionColumnSums![h * n + n - 1]).toBeLessThanOrEqual(1);
      }
      // Statistics over one position: the mean is that pre-RoPE query and the covariance is 0.
      expect(Math.max(...layer.queryCov!.map(Math.abs))).toBe(0);
      // Rotating the last window query back from position n-1 to 0 gives the pre-RoPE query.
      const last = new Float32Array(nH * d);
      for (let h = 0; h < nH; h++) last.set(layer.queryWindow!.subarray((h * 4 + 3) * d, (h * 4 + 4) * d), h * d);
      const unrotated = rerotateKeys(last, nH, new Array(1).fill(n - 1), [0], ropeInvFreq(config));
      expect(maxDiff(unrotated, layer.queryMean!)).toBeLessThan(1e-5);
    }
  });

  it('window attention over all but the first query is the column sums without query 0, over S-1', async () => {
    const { config, weights } = await model('gqa', TEST_MODELS.mistralGqa4);
    const { numHeads: nH } = config;
    const n = 30;
    const out = referenceForward(config, weights, ids(n), { windowAttention: 64, attentionColumnSums: true });
    for (const layer of out.layers) {
      // Query 0 sees only key 0; a window wider than n is cut to n-1 queries.
      for (let h = 0; h < nH; h++) {
        for (let s = 0; s < n; s++) {
          const want = (layer.attentionColumnSums![h * n + s] - (s === 0 ? 1 : 0)) / (n - 1);
          expect(Math.abs(layer.windowAttention![h * n + s] - want)).toBeLessThan(1e-6);
        }
      }
    }
    // Window 1 (TOVA): a distribution over the keys of the last query.
    const last = referenceForward(config, weights, ids(n), { windowAttention: 1 }).layers[1].windowAttention!;
    for (let h = 0; h < nH; h++) expect(last.subarray(h * n, (h + 1) * n).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(Math.max(...last)).toBeLessThan(1);
  });

  it('expected-attention logits of one query position and one future position are keys against that query rotated to position S', async () => {
    const { config, weights } = await model('gqa', TEST_MODELS.mistralGqa4);
    const { numHeads: nH, numKvHeads: nKv, headDim: d } = config;
    const n = 20;
    const one = { skipFirst: n - 1, futurePositions: 1 };
    const out = referenceForward(config, weights, ids(n), { queryWindow: 1, expectedAttention: { ...one, covariance: true } });
    const noCov = referenceForward(config, weights, ids(n), { expectedAttention: { ...one, covariance: false } });
    for (const [l, layer] of out.layers.entries()) {
      // One position: Σ = 0, so the covariance term vanishes.
      expect(maxDiff(layer.expectedAttentionLogits!, noCov.layers[l].expectedAttentionLogits!)).toBeLessThan(1e-9);
      // The last query, post-RoPE at n-1, moved one position on: R̄ for [n, n+1) is the rotation at n.
      const q = rerotateKeys(layer.queryWindow!, nH, [n - 1], [n], ropeInvFreq(config));
      for (let h = 0; h < nH; h++) {
        const g = Math.floor(h / (nH / nKv));
        for (let s = 0; s < n; s += 3) {
          let dot = 0;
          for (let i = 0; i < d; i++) dot += (layer.key as Float32Array)[(g * n + s) * d + i] * q[h * d + i];
          expect(layer.expectedAttentionLogits![h * n + s]).toBeCloseTo(dot / Math.sqrt(d), 5);
        }
      }
    }
    // No position after skipFirst: zeros.
    const short = referenceForward(config, weights, ids(4), { expectedAttention: { skipFirst: 4, futurePositions: 8, covariance: true } });
    expect(Math.max(...short.layers[0].expectedAttentionLogits!.map(Math.abs))).toBe(0);
  });

  it('rejects ids outside the vocabulary', async () => {
    const { config, weights } = await model('gqa', TEST_MODELS.mistralGqa4);
    expect(() => referenceForward(config, weights, [1, 32000])).toThrow(/token id 32000 at position 1 is outside the vocabulary/);
  });
});
