import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfToFloat32 } from '../../src/float16.js';
import type { KvData } from '../../src/kv-cache.js';
import { loadCheckpoint, type Checkpoint } from '../../src/llm/checkpoint.js';
import { createOnnxPrefillEngine, type AttentionKind } from '../../src/llm/onnx/index.js';
import { ReferencePrefillEngine } from '../../src/llm/reference-forward.js';
import { mulberry32 } from '../../src/llm/seeded-random.js';
import { TEST_MODELS, writeTestModel, type TestModelSpec } from '../../src/llm/test-model.js';
import type { PrefillExtras, PrefillOutputs } from '../../src/llm/types.js';

// The ONNX prefill (fp32, CPU) against the float64 reference forward, for every architecture
// option the graph builder has: GQA ratios 1/2/4, tied embeddings, sliding window shorter
// than the prompt, llama3 rope scaling, Qwen2 biases, sharded and F16/BF16 checkpoints.

const TOL = 1e-4;
const S = 40; // > every preset's sliding window (16), so the window really masks.
const SCORE_EXTRAS: PrefillExtras = { windowAttention: 8, expectedAttention: { skipFirst: 4, futurePositions: 64, covariance: true } };
const EXTRAS: PrefillExtras = { queryWindow: 8, queryStats: { skipFirst: 4 }, attentionColumnSums: true, ...SCORE_EXTRAS };

const CASES: { name: string; spec: TestModelSpec }[] = [
  { name: 'mistral GQA 4', spec: TEST_MODELS.mistralGqa4 },
  { name: 'llama tied, MHA (GQA 1)', spec: TEST_MODELS.llamaTied },
  { name: 'mistral sliding window 16, GQA 2', spec: TEST_MODELS.mistralSlidingWindow },
  { name: 'llama3 rope scaling, GQA 4', spec: TEST_MODELS.llama3RopeScaling },
  { name: 'qwen2 q/k/v bias', spec: TEST_MODELS.qwen2Bias },
  { name: 'sharded F16 checkpoint', spec: { ...TEST_MODELS.mistralGqa4, dtype: 'F16', shards: 3, seed: 11 } },
  { name: 'BF16 checkpoint', spec: { ...TEST_MODELS.qwen2Bias, dtype: 'BF16', seed: 12 } },
];

function maxAbsDiff(a: KvData | Float32Array, b: KvData | Float32Array): number {
  const x = a instanceof Uint16Array ? halfToFloat32(a) : a;
  const y = b instanceof Uint16Array ? halfToFloat32(b) : b;
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

function ids(n: number, vocab: number, seed: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => Math.floor(r() * vocab));
}

function expectClose(got: PrefillOutputs, want: PrefillOutputs, extras: PrefillExtras): void {
  expect(got.tokens).toBe(want.tokens);
  expect(got.layers.length).toBe(want.layers.length);
  got.layers.forEach((g, l) => {
    const w = want.layers[l];
    const d = (what: string, a: KvData | Float32Array | undefined, b: KvData | Float32Array | undefined) => {
      expect(a, `layer ${l} ${what}`).toBeDefined();
      expect(maxAbsDiff(a!, b!), `layer ${l} ${what}`).toBeLessThanOrEqual(TOL);
    };
    d('key', g.key, w.key);
    d('value', g.value, w.value);
    if (extras.queryWindow) d('queryWindow', g.queryWindow, w.queryWindow);
    if (extras.queryStats) {
      d('queryMean', g.queryMean, w.queryMean);
      d('queryCov', g.queryCov, w.queryCov);
    }
    if (extras.attentionColumnSums) d('attentionColumnSums', g.attentionColumnSums, w.attentionColumnSums);
    if (extras.windowAttention) d('windowAttention', g.windowAttention, w.windowAttention);
    if (extras.expectedAttention) d('expectedAttentionLogits', g.expectedAttentionLogits, w.expectedAttentionLogits);
  });
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'onnx-prefill-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each(CASES)('ONNX prefill matches the float64 reference: $name', ({ name, spec }) => {
  let checkpoint: Checkpoint;
  let reference: ReferencePrefillEngine;
  let input: number[];
  let want: PrefillOutputs;

  beforeAll(async () => {
    const dir = join(root, name.replace(/\W+/g, '-'));
    await writeTestModel(dir, spec);
    checkpoint = await loadCheckpoint(dir);
    reference = await ReferencePrefillEngine.fromCheckpoint(checkpoint);
    input = ids(S, checkpoint.config.vocabSize, spec.seed ?? 0);
    want = await reference.prefill({ inputIds: input, extras: EXTRAS });
  });

  it.each<AttentionKind>(['plain', 'gqa'])('attention %s: presents and every extra within 1e-4', async (attention) => {
    // Column sums force plain attention, so the gqa run checks the query extras only.
    const extras: PrefillExtras = attention === 'gqa' ? { queryWindow: 8, queryStats: { skipFirst: 4 }, ...SCORE_EXTRAS } : EXTRAS;
    const engine = await createOnnxPrefillEngine({ checkpoint, extras, attention, cacheDir: join(root, 'cache'), provider: 'cpu' });
    try {
      expect(engine.attention).toBe(attention);
      const got = await engine.prefill({ inputIds: input, extras });
      expectClose(got, want, extras);
    } finally {
      await engine.close();
    }
  });
});
