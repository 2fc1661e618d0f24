import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildScoreExtrasGraph, expectedRotationFeed, scoreExtrasNames as names } from '../../src/llm/onnx/index.js';
import { expectedAttentionLogits, meanWindowAttention } from '../../src/llm/reference-forward.js';
import { applyRotary, ropeInvFreq, ropeTables } from '../../src/llm/rope.js';
import { seededNormal } from '../../src/llm/seeded-random.js';
import { TEST_MODELS, testModelConfig } from '../../src/llm/test-model.js';
import type { DecoderConfig, PrefillExtras } from '../../src/llm/types.js';
import { maxAbsDiff } from '../helpers/numeric.js';

// The standalone scoring graph (the decoder graph's press reductions alone, as the
// press-cost benchmark times them) against the float64 reference on chosen tensors:
// queries and keys with a strong common direction, so attention is far from uniform.

const config: DecoderConfig = { ...testModelConfig(TEST_MODELS.llama3RopeScaling) };
const { numHeads: nH, numKvHeads: nKv, headDim: D } = config;

function tensors(S: number, seed: number) {
  const q = seededNormal(nH * S * D, seed, 1, 0); // [nH, S, D] pre-RoPE, head-major
  const k = seededNormal(nKv * S * D, seed + 1, 1, 0.5);
  for (let i = 0; i < q.length; i++) q[i] += (i % D) % 5 === 0 ? 1.5 : 0;
  const tables = ropeTables(ropeInvFreq(config), Array.from({ length: S }, (_, i) => i));
  const kRot = Float64Array.from(k);
  applyRotary(kRot, nKv, S, tables);
  const qRot = Float64Array.from(q);
  applyRotary(qRot, nH, S, tables);
  const tokenMajor = new Float32Array(S * nH * D);
  for (let h = 0; h < nH; h++) for (let t = 0; t < S; t++) tokenMajor.set(q.subarray((h * S + t) * D, (h * S + t + 1) * D), (t * nH + h) * D);
  const sinSigned = Float32Array.from(tables.sin, (v, i) => (i % D < D / 2 ? -v : v));
  return { q, qRot, kRot, tokenMajor, cos: Float32Array.from(tables.cos), sinSigned };
}

async function run(extras: PrefillExtras, S: number, seed: number): Promise<{ got: Record<string, Float32Array>; t: ReturnType<typeof tensors> }> {
  const t = tensors(S, seed);
  const session = await ort.InferenceSession.create(buildScoreExtrasGraph(config, extras).toBytes({ '': 18 }), { executionProviders: ['cpu'] });
  const feeds: Record<string, ort.Tensor> = {
    [names.queries]: new ort.Tensor('float32', t.tokenMajor, [S, nH, D]),
    [names.keys]: new ort.Tensor('float32', Float32Array.from(t.kRot), [nKv, S, D]),
    [names.cos]: new ort.Tensor('float32', t.cos, [S, 1, D]),
    [names.sinSigned]: new ort.Tensor('float32', t.sinSigned, [S, 1, D]),
  };
  if (extras.expectedAttention) feeds[names.expectedRotation] = new ort.Tensor('float32', expectedRotationFeed(config, S, extras.expectedAttention.futurePositions), [2, D]);
  const used = Object.fromEntries(Object.entries(feeds).filter(([k]) => session.inputNames.includes(k)));
  const out = await session.run(used);
  await session.release();
  return { got: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array])), t };
}

describe('standalone scoring graph equals the float64 reference', () => {
  it.each([
    [37, 8],
    [37, 1],
    [5, 16], // window wider than the prompt: S-1 queries
    [1, 4],
  ])('window attention, S=%i, window %i', async (S, w) => {
    const { got, t } = await run({ windowAttention: w }, S, S + w);
    const want = meanWindowAttention(t.qRot, t.kRot, config, S, w);
    expect(maxAbsDiff(got[names.windowAttention], want)).toBeLessThanOrEqual(1e-5);
    if (S === 1) expect([...want]).toEqual(new Array(nH).fill(1)); // the one query sees only itself
    // Not uniform: the strongest key of a head gets well over its share.
    else expect(Math.max(...want)).toBeGreaterThan(2 / S);
  });

  it.each([true, false])('expected-attention logits, covariance %s', async (covariance) => {
    const S = 41;
    const extra = { skipFirst: 4, futurePositions: 96, covariance };
    const { got, t } = await run({ expectedAttention: extra }, S, 3);
    const want = expectedAttentionLogits(t.q, t.kRot, config, S, extra);
    const scale = Math.max(...want.map(Math.abs));
    expect(scale).toBeGreaterThan(1);
    expect(maxAbsDiff(got[names.expectedAttentionLogits], want) / scale).toBeLessThanOrEqual(1e-5);
  });

  it('computes both extras in one graph', async () => {
    const extras: PrefillExtras = { windowAttention: 6, expectedAttention: { skipFirst: 2, futurePositions: 16, covariance: true } };
    const { got } = await run(extras, 24, 9);
    expect(got[names.windowAttention].length).toBe(nH * 24);
    expect(got[names.expectedAttentionLogits].length).toBe(nH * 24);
  });
});
