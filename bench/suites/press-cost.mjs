// Scoring cost of every kvpress press on one Mistral-7B-shaped layer (S = 4096 tokens,
// 32 query / 8 KV heads, head_dim 128) of random prefill outputs, in two parts:
// - graph: the press's prefill extra (window attention, ExpectedAttention logits), which the
//   decoder graph computes per layer; timed here as the same ops in the standalone scoring
//   graph on onnxruntime's CPU EP (default threads), fed one layer's queries and keys;
// - TypeScript: what the press does with the layer after the prefill (score, top-k, gather).
import * as ort from 'onnxruntime-node';
import { applyScorerPress } from '../../sdk/dist/index.js';
import { buildScoreExtrasGraph, expectedRotationFeed, mulberry32, ropeInvFreq, ropeTables, scoreExtrasNames } from '../../sdk/dist/llm/index.js';
import { createPress, PRESS_NAMES } from '../../plugins/kvpress/dist/index.js';

const S = 4096;
const config = {
  architecture: 'mistral', hiddenSize: 4096, intermediateSize: 14336, numLayers: 1, numHeads: 32, numKvHeads: 8, headDim: 128, vocabSize: 32000,
  rmsNormEps: 1e-5, ropeTheta: 1e6, ropeScaling: null, maxPositionEmbeddings: 32768, slidingWindow: null, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};
const RUNS = 3;

/** Best-of-RUNS milliseconds of `run` after one warm-up call. */
async function best(run) {
  await run();
  let ms = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

/** Milliseconds of the press's prefill extras for one layer, on the CPU EP; 0 when it needs none. */
async function graphMs(needs, rnd) {
  const extras = { windowAttention: needs.windowAttention, expectedAttention: needs.expectedAttention };
  if (!extras.windowAttention && !extras.expectedAttention) return 0;
  const { numHeads: H, numKvHeads: kv, headDim: D } = config;
  const session = await ort.InferenceSession.create(buildScoreExtrasGraph(config, extras).toBytes({ '': 18 }), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const tables = ropeTables(ropeInvFreq(config), Array.from({ length: S }, (_, i) => i));
  const sinSigned = Float32Array.from(tables.sin, (v, i) => (i % D < D / 2 ? -v : v));
  const n = scoreExtrasNames;
  const feeds = {
    [n.queries]: new ort.Tensor('float32', rnd(S * H * D), [S, H, D]),
    [n.keys]: new ort.Tensor('float32', rnd(kv * S * D), [kv, S, D]),
    [n.cos]: new ort.Tensor('float32', Float32Array.from(tables.cos), [S, 1, D]),
    [n.sinSigned]: new ort.Tensor('float32', sinSigned, [S, 1, D]),
  };
  if (extras.expectedAttention) feeds[n.expectedRotation] = new ort.Tensor('float32', expectedRotationFeed(config, S, extras.expectedAttention.futurePositions), [2, D]);
  // A window-only graph has no use for the rotation, and onnxruntime rejects unknown feeds.
  const used = Object.fromEntries(Object.entries(feeds).filter(([k]) => session.inputNames.includes(k)));
  try {
    return await best(() => session.run(used));
  } finally {
    await session.release();
  }
}

export default async function pressCost({ log }) {
  const rand = mulberry32(1);
  const rnd = (n) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  const layer = {
    key: rnd(8 * S * 128), value: rnd(8 * S * 128), queryWindow: rnd(32 * 64 * 128), queryMean: rnd(32 * 128), queryCov: rnd(32 * 128 * 128),
    attentionColumnSums: rnd(32 * S), windowAttention: rnd(32 * S), expectedAttentionLogits: rnd(32 * S),
  };
  const outputs = { tokens: S, layers: [layer] };
  const budget = { min: 128, max: 1536 };
  const rows = [];
  for (const name of [...PRESS_NAMES, 'knorm+rerotate']) {
    log(name);
    const press = createPress(name === 'knorm+rerotate' ? 'knorm' : name, {});
    const ts = await best(() => applyScorerPress(outputs, press, { config, compressionRatio: 0.75, budget, rerotateKeys: name === 'knorm+rerotate' }));
    const graph = await graphMs(press.needs, rnd);
    rows.push([name, graph ? graph.toFixed(0) : '—', ts.toFixed(0), (((graph + ts) * 32) / 1000).toFixed(2)]);
  }
  return {
    title: 'kvpress: scoring cost per layer (Mistral-7B shape, 4096 tokens, ratio 0.75)',
    columns: ['press', 'graph extra ms (CPU EP, best of 3)', 'TypeScript ms (best of 3)', 's for 32 layers'],
    rows,
    notes: [
      'graph extra: the window attention (snapkv w=64, tova w=1) or ExpectedAttention logits (n_future 512, covariance; includes the query covariance, as much work as the logits) of one layer, the same ops the decoder graph runs inside the prefill, here in the standalone scoring graph on onnxruntime\'s CPU EP.',
      'Before these ran in the graph (TypeScript only, same machine): snapkv 1,513 ms, expected-attention 1,602 ms, tova 35 ms per layer.',
      'TypeScript: after the prefill, single thread: the press\'s scoring, top-k and gather (and re-rotation) of one layer.',
      'observed-attention\'s column sums come from the plain-attention prefill itself (its [heads, S, S] softmax); not timed here.',
      'Reproduce: `npm run bench -- press-cost`.',
    ],
  };
}
