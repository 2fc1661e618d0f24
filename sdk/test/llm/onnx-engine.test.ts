import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineExceededError } from '../../src/errors.js';
import { halfToFloat32 } from '../../src/float16.js';
import { silentLogger } from '../../src/logger.js';
import { loadCheckpoint, requiredWeights, type Checkpoint } from '../../src/llm/checkpoint.js';
import {
  buildDecoderGraph,
  CheckpointWeightBinder,
  createOnnxPrefillEngine,
  decodeModel,
  ensureCachedGraph,
  ExecutionProviderError,
  MODEL_FILE,
  prefillNames,
  probeProvider,
} from '../../src/llm/onnx/index.js';
import { ReferencePrefillEngine } from '../../src/llm/reference-forward.js';
import { writeSafetensors } from '../../src/llm/safetensors.js';
import { mulberry32, seededNormal } from '../../src/llm/seeded-random.js';
import { TEST_MODELS, testModelConfig, toHfConfigJson, writeTestModel } from '../../src/llm/test-model.js';
import type { DecoderConfig } from '../../src/llm/types.js';

// Engine behaviour around the graph: caching, in-place external data, providers, fp16,
// extras variants, abort, inputs_embeds.

let root: string;
let checkpoint: Checkpoint;
const input = (() => {
  const r = mulberry32(7);
  return Array.from({ length: 24 }, () => Math.floor(r() * 32000));
})();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'onnx-engine-'));
  await writeTestModel(join(root, 'llama'), TEST_MODELS.llamaTied);
  checkpoint = await loadCheckpoint(join(root, 'llama'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('graph cache and external data', () => {
  it('references the safetensors bytes in place: small model.onnx, hard-linked shard, offsets from the checkpoint', async () => {
    const cacheDir = join(root, 'cache-ext');
    const engine = await createOnnxPrefillEngine({ checkpoint, cacheDir, attention: 'plain' });
    await engine.close();
    const { dir, modelPath } = engine.graph;
    const bytes = await readFile(modelPath);
    const weightBytes = [...checkpoint.tensors.values()].reduce((a, t) => a + t.byteLength, 0);
    expect(weightBytes).toBeGreaterThan(8_000_000);
    expect(bytes.byteLength).toBeLessThan(200_000);

    const src = checkpoint.tensors.get('model.embed_tokens.weight')!;
    const [linked, original] = await Promise.all([stat(join(dir, 'shard-0.safetensors')), stat(src.file)]);
    expect(linked.ino).toBe(original.ino); // a hard link, not a copy

    const model = decodeModel(bytes);
    const init = model.graph.initializer.find((t) => t.name === 'model.embed_tokens.weight')!;
    expect(init.data_location).toBe(1);
    const ext = Object.fromEntries(init.external_data!.map((e) => [e.key, e.value]));
    expect(ext).toEqual({ location: 'shard-0.safetensors', offset: String(src.byteOffset), length: String(src.byteLength) });
    // Only the RoPE tables (cos and sin, maxPositions x headDim/2 floats) are written beside the graph.
    const built = JSON.parse(await readFile(join(dir, 'build.json'), 'utf8')) as { convertedBytes: number; referencedBytes: number };
    expect(built.referencedBytes).toBe(weightBytes - checkpoint.tensors.get('model.norm.weight')!.byteLength);
    expect(built.convertedBytes).toBe(2 * 16384 * 8 * 4);
  });

  it('a cache hit does not rebuild; other options get another graph', async () => {
    const cacheDir = join(root, 'cache-hit');
    const a = await createOnnxPrefillEngine({ checkpoint, cacheDir, attention: 'plain' });
    await a.close();
    const mtime = (await stat(a.graph.modelPath)).mtimeMs;
    const b = await createOnnxPrefillEngine({ checkpoint, cacheDir, attention: 'plain' });
    await b.close();
    expect(a.graph.built).toBe(true);
    expect(b.graph.built).toBe(false);
    expect(b.graph.dir).toBe(a.graph.dir);
    expect((await stat(b.graph.modelPath)).mtimeMs).toBe(mtime);
    const c = await createOnnxPrefillEngine({ checkpoint, cacheDir, attention: 'plain', extras: { queryWindow: 4 } });
    await c.close();
    expect(c.graph.dir).not.toBe(a.graph.dir);
  });

  it('concurrent builders of one key both succeed and leave one complete graph', async () => {
    const cacheDir = join(root, 'cache-race');
    const build = () => {
      const binder = new CheckpointWeightBinder(checkpoint.tensors, 'float32');
      const g = buildDecoderGraph(checkpoint.config, { dtype: 'float32', attention: 'plain', extras: {}, maxPositions: 64 }, (gb) => binder.bind(gb));
      return { model: g.toBytes({ '': 18, 'com.microsoft': 1 }), plan: binder.plan, info: {} };
    };
    const opts = { cacheDir, key: 'race', build, logger: silentLogger, progress: { start: () => ({ advance() {}, done() {} }) } };
    const [x, y] = await Promise.all([ensureCachedGraph(opts), ensureCachedGraph(opts)]);
    expect([x.built, y.built].sort()).toEqual([false, true]);
    const s = await ort.InferenceSession.create(x.modelPath);
    const out = await s.run({ input_ids: new ort.Tensor('int64', BigInt64Array.of(1n, 2n), [1, 2]) });
    expect(out[prefillNames.presentKey(0)].dims).toEqual([1, 4, 2, 16]);
    await s.release();
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(join(cacheDir, 'graphs'))).filter((f) => f.startsWith('.tmp'))).toEqual([]);
  });
});

describe('providers', () => {
  it('a configured GPU provider that cannot start is a start-up error naming the fix, never a CPU fall-back', async () => {
    for (const provider of ['cuda', 'webgpu'] as const) {
      const status = await probeProvider(provider);
      if (status.available) continue; // a GPU machine: nothing to refuse
      const err = await createOnnxPrefillEngine({ checkpoint, cacheDir: join(root, 'cache-gpu'), provider }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExecutionProviderError);
      expect((err as Error).message).toContain(`execution provider '${provider}'`);
      expect((err as Error).message).toContain('docs/gpu.md');
    }
  });

  it('fp16 graph from an F16 checkpoint runs on CPU, references the weights in place and returns half bits close to the reference', async () => {
    const dir = join(root, 'mistral-f16');
    await writeTestModel(dir, { ...TEST_MODELS.mistralGqa4, dtype: 'F16' });
    const ck = await loadCheckpoint(dir);
    const ref = await ReferencePrefillEngine.fromCheckpoint(ck);
    // GPU sessions are fp16: the press extras are computed in float32 from fp16 queries and keys.
    const extras = { windowAttention: 4, expectedAttention: { skipFirst: 4, futurePositions: 32, covariance: true } };
    const want = await ref.prefill({ inputIds: input, extras });
    for (const attention of ['plain', 'gqa'] as const) {
      const engine = await createOnnxPrefillEngine({ checkpoint: ck, cacheDir: join(root, 'cache-f16'), dtype: 'float16', attention, extras });
      const got = await engine.prefill({ inputIds: input, extras });
      await engine.close();
      const built = JSON.parse(await readFile(join(engine.graph.dir, 'build.json'), 'utf8')) as { convertedBytes: number; referencedBytes: number };
      expect(built.referencedBytes).toBeGreaterThan(8_000_000);
      expect(built.convertedBytes).toBeLessThan(600_000); // RoPE tables only
      for (let l = 0; l < want.layers.length; l++) {
        expect(got.layers[l].key).toBeInstanceOf(Uint16Array);
        // fp16 activations: about 3 decimal digits.
        expect(maxAbsDiff(halfToFloat32(got.layers[l].key as Uint16Array), want.layers[l].key as Float32Array)).toBeLessThan(0.05);
        expect(maxAbsDiff(halfToFloat32(got.layers[l].value as Uint16Array), want.layers[l].value as Float32Array)).toBeLessThan(0.05);
        expect(maxAbsDiff(got.layers[l].windowAttention!, want.layers[l].windowAttention!)).toBeLessThan(0.01);
        const logits = want.layers[l].expectedAttentionLogits!;
        expect(maxAbsDiff(got.layers[l].expectedAttentionLogits!, logits)).toBeLessThan(0.01 * Math.max(...logits.map(Math.abs)));
      }
    }
  });

  it('attention "gqa" with head_dim not a multiple of 16 is refused clearly; "auto" falls back to plain and stays exact', async () => {
    const config: DecoderConfig = { ...testModelConfig(TEST_MODELS.llamaTied), headDim: 8, numHeads: 8, numKvHeads: 4 };
    const dir = join(root, 'head8');
    await mkdir(dir, { recursive: true });
    await writeSafetensors(
      join(dir, 'model.safetensors'),
      requiredWeights(config).map(({ name, shape }, i) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const norm = name.endsWith('norm.weight');
        return { name, shape, data: seededNormal(n, 100 + i, norm ? 0.1 : name.includes('embed') ? 1 : 1 / Math.sqrt(shape[1]), norm ? 1 : 0) };
      }),
    );
    await writeFile(join(dir, 'config.json'), JSON.stringify(toHfConfigJson(config)));
    const ck = await loadCheckpoint(dir);
    const cacheDir = join(root, 'cache-head8');
    await expect(createOnnxPrefillEngine({ checkpoint: ck, cacheDir, attention: 'gqa' })).rejects.toThrow(/head_dim 8 is not a multiple of 16/);
    const engine = await createOnnxPrefillEngine({ checkpoint: ck, cacheDir, attention: 'auto' });
    expect(engine.attention).toBe('plain');
    const got = await engine.prefill({ inputIds: input });
    await engine.close();
    const want = await (await ReferencePrefillEngine.fromCheckpoint(ck)).prefill({ inputIds: input });
    expect(maxAbsDiff(got.layers[1].key as Float32Array, want.layers[1].key as Float32Array)).toBeLessThanOrEqual(1e-4);
  });
});

describe('projections', () => {
  it('MatMul + Transpose projections (the measured alternative to Gemm transB) match the reference too, with q/k/v bias', async () => {
    const dir = join(root, 'qwen2');
    await writeTestModel(dir, TEST_MODELS.qwen2Bias);
    const ck = await loadCheckpoint(dir);
    const engine = await createOnnxPrefillEngine({ checkpoint: ck, cacheDir: join(root, 'cache-mm'), attention: 'plain', projection: 'matmul' });
    const got = await engine.prefill({ inputIds: input });
    await engine.close();
    const model = decodeModel(await readFile(engine.graph.modelPath));
    expect(model.graph.node.some((n) => n.op_type === 'Gemm')).toBe(false);
    const want = await (await ReferencePrefillEngine.fromCheckpoint(ck)).prefill({ inputIds: input });
    for (let l = 0; l < want.layers.length; l++) {
      expect(maxAbsDiff(got.layers[l].key as Float32Array, want.layers[l].key as Float32Array)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(got.layers[l].value as Float32Array, want.layers[l].value as Float32Array)).toBeLessThanOrEqual(1e-4);
    }
  });
});

describe('requests', () => {
  it('serves extras outside the main graph from a variant, and a narrower query window from a wider graph', async () => {
    const engine = await createOnnxPrefillEngine({ checkpoint, cacheDir: join(root, 'cache-var'), attention: 'plain', extras: { queryWindow: 16 } });
    const ref = await ReferencePrefillEngine.fromCheckpoint(checkpoint);
    try {
      const narrow = await engine.prefill({ inputIds: input, extras: { queryWindow: 5 } });
      const wantNarrow = await ref.prefill({ inputIds: input, extras: { queryWindow: 5 } });
      expect(narrow.layers[1].queryWindow!.length).toBe(4 * 5 * 16);
      expect(maxAbsDiff(narrow.layers[1].queryWindow!, wantNarrow.layers[1].queryWindow!)).toBeLessThanOrEqual(1e-4);

      const sums = await engine.prefill({ inputIds: input, extras: { attentionColumnSums: true } });
      const wantSums = await ref.prefill({ inputIds: input, extras: { attentionColumnSums: true } });
      expect(maxAbsDiff(sums.layers[0].attentionColumnSums!, wantSums.layers[0].attentionColumnSums!)).toBeLessThanOrEqual(1e-4);
      // Every query row sums to one, so the column sums add up to the number of queries.
      expect(sums.layers[0].attentionColumnSums!.slice(0, input.length).reduce((a, b) => a + b, 0)).toBeCloseTo(input.length, 3);

      const stats = await engine.prefill({ inputIds: input.slice(0, 3), extras: { queryStats: { skipFirst: 4 } } });
      expect(Array.from(stats.layers[0].queryMean!).every((v) => v === 0)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('answers window attention only from a graph of the same window, and ExpectedAttention variants, within 1e-4', async () => {
    const expected = { skipFirst: 4, futurePositions: 32, covariance: true };
    const engine = await createOnnxPrefillEngine({ checkpoint, cacheDir: join(root, 'cache-score'), attention: 'plain', extras: { windowAttention: 8, expectedAttention: expected } });
    const ref = await ReferencePrefillEngine.fromCheckpoint(checkpoint);
    try {
      const cases = [
        { inputIds: input, extras: { windowAttention: 8, expectedAttention: expected } },
        { inputIds: input, extras: { windowAttention: 1 } }, // a narrower window is another number: a variant
        { inputIds: input.slice(0, 6), extras: { windowAttention: 8 } }, // window wider than the prompt: S-1 queries
        { inputIds: input, extras: { expectedAttention: { ...expected, covariance: false } } },
      ];
      for (const request of cases) {
        const got = await engine.prefill(request);
        const want = await ref.prefill(request);
        for (let l = 0; l < want.layers.length; l++) {
          if (request.extras.windowAttention) expect(maxAbsDiff(got.layers[l].windowAttention!, want.layers[l].windowAttention!)).toBeLessThanOrEqual(1e-4);
          if (request.extras.expectedAttention) expect(maxAbsDiff(got.layers[l].expectedAttentionLogits!, want.layers[l].expectedAttentionLogits!)).toBeLessThanOrEqual(1e-4);
        }
      }
      const tova = (await engine.prefill(cases[1])).layers[0].windowAttention!;
      const snap = (await engine.prefill(cases[0])).layers[0].windowAttention!;
      expect(maxAbsDiff(tova, snap)).toBeGreaterThan(1e-3);
      // No position after skipFirst: zeros, as the reference.
      const short = await engine.prefill({ inputIds: input.slice(0, 3), extras: { expectedAttention: expected } });
      expect(Array.from(short.layers[1].expectedAttentionLogits!).every((v) => v === 0)).toBe(true);
      await expect(engine.prefill({ inputIds: input, extras: { windowAttention: 0 } })).rejects.toThrow(/extras.windowAttention must be a positive integer, got 0/);
      await expect(engine.prefill({ inputIds: input, extras: { expectedAttention: { ...expected, futurePositions: 0 } } })).rejects.toThrow(/futurePositions must be a positive integer/);
    } finally {
      await engine.close();
    }
  });

  it('rejects out-of-vocabulary ids, too-long prompts and aborted signals', async () => {
    const engine = await createOnnxPrefillEngine({ checkpoint, cacheDir: join(root, 'cache-req'), attention: 'plain', maxPositions: 32 });
    try {
      await expect(engine.prefill({ inputIds: [1, 32000] })).rejects.toThrow(/token id 32000 at position 1 is outside the vocabulary/);
      await expect(engine.prefill({ inputIds: new Array<number>(33).fill(1) })).rejects.toThrow(/exceeds the engine's maxPositions 32/);
      const ac = new AbortController();
      ac.abort(new Error('client went away'));
      await expect(engine.prefill({ inputIds: [1, 2], signal: ac.signal })).rejects.toBeInstanceOf(DeadlineExceededError);
      const ok = await engine.prefill({ inputIds: input });
      expect(ok.tokens).toBe(24);
    } finally {
      await engine.close();
    }
    await expect(engine.prefill({ inputIds: [1] })).rejects.toThrow(/after close/);
  });

  it('inputs_embeds gives the same presents as input_ids', async () => {
    const cacheDir = join(root, 'cache-embeds');
    const graphs = await Promise.all(
      [false, true].map((inputsEmbeds) =>
        ensureCachedGraph({
          cacheDir,
          key: `embeds-${inputsEmbeds}`,
          logger: silentLogger,
          progress: { start: () => ({ advance() {}, done() {} }) },
          build: () => {
            const binder = new CheckpointWeightBinder(checkpoint.tensors, 'float32');
            const g = buildDecoderGraph(checkpoint.config, { dtype: 'float32', attention: 'plain', extras: {}, maxPositions: 64, inputsEmbeds }, (gb) => binder.bind(gb));
            return { model: g.toBytes({ '': 18, 'com.microsoft': 1 }), plan: binder.plan, info: {} };
          },
        }),
      ),
    );
    const H = checkpoint.config.hiddenSize;
    const table = await checkpoint.readTensor('model.embed_tokens.weight');
    const embeds = new Float32Array(input.length * H);
    input.forEach((id, t) => embeds.set(table.subarray(id * H, (id + 1) * H), t * H));
    const [byIds, byEmbeds] = await Promise.all(graphs.map((g) => ort.InferenceSession.create(g.modelPath)));
    const a = await byIds.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(input.map(BigInt)), [1, input.length]) });
    const b = await byEmbeds.run({ inputs_embeds: new ort.Tensor('float32', embeds, [1, input.length, H]) });
    expect(maxAbsDiff(a['present.1.key'].data as Float32Array, b['present.1.key'].data as Float32Array)).toBe(0);
    expect(byEmbeds.inputNames).toEqual(['inputs_embeds']);
    await Promise.all([byIds.release(), byEmbeds.release()]);
  });
});

it('the model file is a plain ONNX protobuf onnxruntime can introspect', async () => {
  const engine = await createOnnxPrefillEngine({ checkpoint, cacheDir: join(root, 'cache-ext'), attention: 'plain' });
  await engine.close();
  const s = await ort.InferenceSession.create(join(engine.graph.dir, MODEL_FILE));
  expect(s.inputNames).toEqual(['input_ids']);
  expect(s.outputNames).toEqual(['present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
  await s.release();
});
