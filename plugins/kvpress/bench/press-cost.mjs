// Scoring + selection cost of every press on one Mistral-7B-shaped layer (S = 4096 tokens,
// 32 query / 8 kv heads, head_dim 128) of random outputs. Run after `npm run build`:
//   node plugins/kvpress/bench/press-cost.mjs [tokens]
import { applyScorerPress } from '@neural-condense/sdk';
import { mulberry32 } from '@neural-condense/sdk/llm';
import { createPress, PRESS_NAMES } from '@neural-condense/kvpress';

const S = Number(process.argv[2] ?? 4096);
const config = {
  architecture: 'mistral', hiddenSize: 4096, intermediateSize: 14336, numLayers: 1, numHeads: 32, numKvHeads: 8, headDim: 128, vocabSize: 32000,
  rmsNormEps: 1e-5, ropeTheta: 1e6, ropeScaling: null, maxPositionEmbeddings: 32768, slidingWindow: null, tieWordEmbeddings: false, attentionBias: false,
  bosTokenId: 1, eosTokenId: 2,
};
const rand = mulberry32(1);
const rnd = (n) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
const layer = { key: rnd(8 * S * 128), value: rnd(8 * S * 128), queryWindow: rnd(32 * 64 * 128), queryMean: rnd(32 * 128), queryCov: rnd(32 * 128 * 128), attentionColumnSums: rnd(32 * S) };
const outputs = { tokens: S, layers: [layer] };
const budget = { min: 128, max: 1536 };
for (const name of [...PRESS_NAMES, 'knorm+rerotate']) {
  const press = createPress(name === 'knorm+rerotate' ? 'knorm' : name, {});
  const start = performance.now();
  applyScorerPress(outputs, press, { config, compressionRatio: 0.75, budget, rerotateKeys: name === 'knorm+rerotate' });
  const ms = performance.now() - start;
  console.log(`${name.padEnd(20)} ${ms.toFixed(0).padStart(6)} ms/layer  ~${((ms * 32) / 1000).toFixed(1)} s for 32 layers`);
}
