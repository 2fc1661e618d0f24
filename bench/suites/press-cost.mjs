// Scoring + selection cost of every kvpress press on one Mistral-7B-shaped layer
// (S = 4096 tokens, 32 query / 8 KV heads, head_dim 128) of random prefill outputs.
import { applyScorerPress } from '../../sdk/dist/index.js';
import { mulberry32 } from '../../sdk/dist/llm/index.js';
import { createPress, PRESS_NAMES } from '../../plugins/kvpress/dist/index.js';

const S = 4096;
const config = {
  architecture: 'mistral', hiddenSize: 4096, intermediateSize: 14336, numLayers: 1, numHeads: 32, numKvHeads: 8, headDim: 128, vocabSize: 32000,
  rmsNormEps: 1e-5, ropeTheta: 1e6, ropeScaling: null, maxPositionEmbeddings: 32768, slidingWindow: null, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};

export default async function pressCost({ log }) {
  const rand = mulberry32(1);
  const rnd = (n) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  const layer = { key: rnd(8 * S * 128), value: rnd(8 * S * 128), queryWindow: rnd(32 * 64 * 128), queryMean: rnd(32 * 128), queryCov: rnd(32 * 128 * 128), attentionColumnSums: rnd(32 * S) };
  const outputs = { tokens: S, layers: [layer] };
  const budget = { min: 128, max: 1536 };
  const rows = [];
  for (const name of [...PRESS_NAMES, 'knorm+rerotate']) {
    log(name);
    const press = createPress(name === 'knorm+rerotate' ? 'knorm' : name, {});
    const run = () => applyScorerPress(outputs, press, { config, compressionRatio: 0.75, budget, rerotateKeys: name === 'knorm+rerotate' });
    run(); // warm-up (JIT)
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      run();
      times.push(performance.now() - t0);
    }
    const ms = Math.min(...times);
    rows.push([name, ms.toFixed(0), ((ms * 32) / 1000).toFixed(2)]);
  }
  return {
    title: 'kvpress: scoring + selection per layer (Mistral-7B shape, 4096 tokens, ratio 0.75)',
    columns: ['press', 'ms per layer (best of 3)', 's for 32 layers'],
    rows,
    notes: [
      'CPU, single thread, after the prefill: only the TypeScript scoring, top-k and gather (and re-rotation) of one layer.',
      'Reproduce: `npm run bench -- press-cost`.',
    ],
  };
}
