import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestError, collectBytes, halfToFloat32, decodeNpy, DeadlineExceededError, encodeKvCacheNpy, UnsupportedModelError,
  type CompressionRequest, type KvCache, type Logger, type TokenBudget,
} from '@neural-condense/sdk';
import { applyRotary, loadCheckpoint, loadDecoderWeights, ropeInvFreq, ropeTables, loadTokenizer, referenceForward, TEST_MODELS, writeTestModel, type DecoderConfig, type PrefillOutputs } from '@neural-condense/sdk/llm';
import { KvpressCompressor, kvpressOptions, type KvpressOptions } from '../src/index.js';

// The compressor end to end on a seeded Mistral-architecture checkpoint with the real
// Mistral tokenizer: validator-format tokenisation, the onnx and reference runtimes,
// Knorm against the full cache, the .npy written from the result.

const MISTRAL = 'mistralai/Mistral-7B-Instruct-v0.2';
const context = 'The lighthouse keeper, Mara, logged every ship that passed the northern cape. '.repeat(4) + 'In 1911 the lamp was converted from paraffin to electricity, and the keeper moved inland.';
const open: TokenBudget = { min: 16, max: 100_000 };

let root: string;
let modelDir: string;
let config: DecoderConfig;
let ids: number[];
let full: PrefillOutputs;
const compressors: KvpressCompressor[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kvpress-'));
  modelDir = join(root, 'model');
  await writeTestModel(modelDir, TEST_MODELS.mistralGqa4);
  const checkpoint = await loadCheckpoint(modelDir);
  config = checkpoint.config;
  // The validator's own formatting, written out here rather than taken from the SDK helper.
  ids = (await loadTokenizer(modelDir)).encode(`<s> [INST] ${context}`, { addSpecialTokens: false });
  full = referenceForward(config, await loadDecoderWeights(checkpoint), ids);
});
afterAll(async () => {
  for (const c of compressors) await c.close();
  await rm(root, { recursive: true, force: true });
});

function compressor(options: Partial<KvpressOptions>, logger?: Logger): KvpressCompressor {
  const c = new KvpressCompressor(kvpressOptions.parse({ model: modelDir, ...options }), { cacheDir: join(root, 'cache'), logger });
  compressors.push(c);
  return c;
}

function request(overrides: Partial<CompressionRequest> = {}): CompressionRequest {
  return { id: 'r1', context, targetModel: MISTRAL, tier: 'research', tokenBudget: open, deadline: Date.now() + 60_000, signal: new AbortController().signal, ...overrides };
}

async function cacheOf(c: KvpressCompressor, req = request()): Promise<KvCache> {
  const result = await c.compress(req);
  expect(result.kind).toBe('kv-cache');
  if (result.kind !== 'kv-cache') throw new Error('unreachable');
  expect(result.originalTokens).toBe(ids.length);
  return result.cache;
}

/** Per head, the positions of the k lowest-norm keys of the full cache (ties to the earlier position), ascending. */
function lowestNormPositions(key: Float32Array, h: number, k: number): number[] {
  const S = full.tokens;
  const d = config.headDim;
  const norms = Array.from({ length: S }, (_, t) => Math.hypot(...key.subarray((h * S + t) * d, (h * S + t + 1) * d)));
  return norms.map((_, t) => t).sort((a, b) => norms[a] - norms[b] || a - b).slice(0, k).sort((a, b) => a - b);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(['reference', 'onnx'] as const)('kvpress compressor, %s runtime', (runtime) => {
  const tol = runtime === 'reference' ? 0 : 1e-4;

  it('tokenises the context as the validator does (BOS, then "[INST]")', () => {
    expect(ids[0]).toBe(1);
    expect(ids.length).toBeGreaterThan(60);
  });

  it('returns the full prefill cache at compression ratio 0', async () => {
    const cache = await cacheOf(compressor({ runtime, compressionRatio: 0 }));
    expect({ layers: cache.layers, kvHeads: cache.kvHeads, tokens: cache.tokens, headDim: cache.headDim }).toEqual({ layers: 2, kvHeads: 2, tokens: ids.length, headDim: 16 });
    cache.data.forEach((layer, l) => {
      expect(maxAbsDiff(layer.key, full.layers[l].key)).toBeLessThanOrEqual(tol);
      expect(maxAbsDiff(layer.value, full.layers[l].value)).toBeLessThanOrEqual(tol);
    });
  });

  it('keeps exactly the per-head lowest-norm keys of the full cache with Knorm 0.75', async () => {
    const result = await compressor({ runtime, press: 'knorm', compressionRatio: 0.75 }).compress(request());
    if (result.kind !== 'kv-cache') throw new Error('expected a kv cache');
    const { cache, timings } = result;
    const S = full.tokens;
    const k = Math.trunc(S * 0.25);
    expect(cache.tokens).toBe(k);
    const d = config.headDim;
    cache.data.forEach((layer, l) => {
      for (let h = 0; h < config.numKvHeads; h++) {
        const want = lowestNormPositions(full.layers[l].key as Float32Array, h, k);
        want.forEach((t, j) => {
          expect(maxAbsDiff(layer.key.subarray((h * k + j) * d, (h * k + j + 1) * d), full.layers[l].key.subarray((h * S + t) * d, (h * S + t + 1) * d))).toBeLessThanOrEqual(tol);
          expect(maxAbsDiff(layer.value.subarray((h * k + j) * d, (h * k + j + 1) * d), full.layers[l].value.subarray((h * S + t) * d, (h * S + t + 1) * d))).toBeLessThanOrEqual(tol);
        });
      }
    });
    for (const stage of ['tokenizeMs', 'prefillMs', 'pressMs']) expect(timings?.[stage]).toBeGreaterThanOrEqual(0);
  });

  it('runs SnapKV with the query window the prefill computes, the same on both runtimes', async () => {
    const cache = await cacheOf(compressor({ runtime, press: 'snapkv', windowSize: 8, compressionRatio: 0.5 }));
    const reference = await cacheOf(compressor({ runtime: 'reference', press: 'snapkv', windowSize: 8, compressionRatio: 0.5 }));
    expect(cache.tokens).toBe(Math.trunc(full.tokens * 0.5));
    cache.data.forEach((layer, l) => expect(maxAbsDiff(layer.key, reference.data[l].key)).toBeLessThanOrEqual(tol));
  });

  it('writes a .npy that decodes back to the same cache', async () => {
    const cache = await cacheOf(compressor({ runtime, press: 'expected-attention', compressionRatio: 0.6, nFuturePositions: 32 }));
    const npy = decodeNpy(await collectBytes(encodeKvCacheNpy(cache, 'float32').chunks()));
    expect(npy.shape).toEqual([2, 2, 1, 2, cache.tokens, 16]);
    const n = 2 * cache.tokens * 16;
    cache.data.forEach((layer, l) => {
      expect([...npy.data.subarray((2 * l) * n, (2 * l + 1) * n)]).toEqual([...layer.key]);
      expect([...npy.data.subarray((2 * l + 1) * n, (2 * l + 2) * n)]).toEqual([...layer.value]);
    });
  });
});

describe('kvpress compressor, onnx runtime in float16', () => {
  it('prunes a half-float cache and keeps its bits as half floats', async () => {
    const cache = await cacheOf(compressor({ runtime: 'onnx', dtype: 'float16', press: 'knorm', compressionRatio: 0.75 }));
    const S = full.tokens;
    const k = Math.trunc(S * 0.25);
    const d = config.headDim;
    expect(cache.tokens).toBe(k);
    cache.data.forEach((layer, l) => {
      expect(layer.key).toBeInstanceOf(Uint16Array);
      const key = halfToFloat32(layer.key as Uint16Array);
      for (let h = 0; h < config.numKvHeads; h++) {
        // fp16 rounding may swap near-tied norms at the cut; everything else is the fp32 choice.
        const want = lowestNormPositions(full.layers[l].key as Float32Array, h, k);
        const close = want.filter((t, j) => maxAbsDiff(key.subarray((h * k + j) * d, (h * k + j + 1) * d), full.layers[l].key.subarray((h * S + t) * d, (h * S + t + 1) * d)) < 2e-2);
        expect(close.length).toBeGreaterThanOrEqual(k - 2);
      }
    });
  });
});

describe('kvpress compressor requests', () => {
  it('clamps into the tier budget and rejects a context shorter than its minimum', async () => {
    const c = compressor({ runtime: 'reference', compressionRatio: 0.9 });
    expect((await cacheOf(c, request({ tokenBudget: { min: 40, max: 50 } }))).tokens).toBe(40);
    expect((await cacheOf(compressor({ runtime: 'reference', compressionRatio: 0 }), request({ tokenBudget: { min: 16, max: 20 } }))).tokens).toBe(20);
    await expect(c.compress(request({ tokenBudget: { min: 128, max: 1024 } }))).rejects.toThrow(BadRequestError);
  });

  it('re-rotates kept keys to the positions right before the question (rerotateKeys)', async () => {
    const plain = await cacheOf(compressor({ runtime: 'reference', compressionRatio: 0.75 }));
    const moved = await cacheOf(compressor({ runtime: 'reference', compressionRatio: 0.75, rerotateKeys: true }));
    const T = full.tokens;
    const k = plain.tokens;
    const d = config.headDim;
    const inv = ropeInvFreq(config);
    const query = (pos: number) => {
      const q = Float64Array.from({ length: d }, (_, i) => Math.cos(3 * i + 1));
      applyRotary(q, 1, 1, ropeTables(inv, [pos]));
      return q;
    };
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
    let moves = 0;
    for (let l = 0; l < 2; l++) {
      for (let h = 0; h < config.numKvHeads; h++) {
        const positions = lowestNormPositions(full.layers[l].key as Float32Array, h, k);
        positions.forEach((p, m) => {
          const row = (c: KvCache) => c.data[l].key.subarray((h * k + m) * d, (h * k + m + 1) * d);
          // Question token j = 3 sits at T + 3; the moved key sits at T - k + m.
          const distance = T + 3 - (T - k + m);
          expect(dot(query(T + 3), row(moved))).toBeCloseTo(dot(query(p + distance), row(plain)), 4);
          if (p !== T - k + m) moves++;
        });
      }
      expect(moved.data[l].value).toEqual(plain.data[l].value);
    }
    expect(moves).toBeGreaterThan(0);
  });

  it('stops when the request is aborted and refuses target models it cannot format', async () => {
    const c = compressor({ runtime: 'reference' });
    const ac = new AbortController();
    ac.abort(new DeadlineExceededError('deadline passed'));
    await expect(c.compress(request({ signal: ac.signal }))).rejects.toThrow(DeadlineExceededError);
    await expect(c.compress(request({ targetModel: 'acme/unknown-7b' }))).rejects.toThrow(UnsupportedModelError);
  });

  it('warns loudly that the built-in model has random weights, and serves the Mistral ids', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (_o, msg) => void warnings.push(String(msg)), child: () => logger };
    const c = compressor({ model: 'builtin:tiny-mistral', runtime: 'reference' }, logger);
    expect(c.supportedModels).toEqual(['mistralai/Mistral-7B-Instruct-v0.2', 'Condense-AI/Mistral-7B-Instruct-v0.2']);
    await c.init();
    expect(warnings.join('\n')).toMatch(/RANDOM WEIGHTS/);
    const cache = await cacheOf2(c);
    expect(cache.layers).toBe(4);
  });
});

/** Like cacheOf, without the test model's token count. */
async function cacheOf2(c: KvpressCompressor): Promise<KvCache> {
  const result = await c.compress(request({ targetModel: 'Condense-AI/Mistral-7B-Instruct-v0.2' }));
  if (result.kind !== 'kv-cache') throw new Error('expected a kv cache');
  expect(result.originalTokens).toBe(ids.length);
  return result.cache;
}
