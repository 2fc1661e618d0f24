// Issue 4's bar on the FILE a validator downloads, through the real backend, the kvpress
// plugin on onnxruntime (CPU, fp32) and the local store: with compression ratio 0 the .npy
// equals the float64 reference forward's full cache; with Knorm 0.75 it holds exactly the
// per-head lowest-norm keys (and their values) of that full cache.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, type DecodedNpy } from '@neural-condense/sdk';
import {
  ReferencePrefillEngine,
  TEST_MODELS,
  contextFormatFor,
  loadCheckpoint,
  loadTokenizer,
  tokenizeContext,
  writeTestModel,
  type PrefillOutputs,
} from '@neural-condense/sdk/llm';
import { makeContext, postJson, startTestBackend } from './helpers/backend.js';

const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2';
const context = makeContext(700, 23);

describe('kvpress .npy against the reference forward', () => {
  let dir: string;
  let modelDir: string;
  let full: PrefillOutputs;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nc-kvpress-npy-'));
    modelDir = join(dir, 'model');
    await writeTestModel(modelDir, TEST_MODELS.mistralGqa4);
    const checkpoint = await loadCheckpoint(modelDir);
    const ids = tokenizeContext(await loadTokenizer(modelDir), context, contextFormatFor(MODEL));
    full = await (await ReferencePrefillEngine.fromCheckpoint(checkpoint)).prefill({ inputIds: ids });
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function npyFor(options: Record<string, unknown>): Promise<DecodedNpy> {
    const backend = await startTestBackend({
      compressor: { plugin: '@neural-condense/kvpress', options: { model: modelDir, servedModels: [MODEL], ...options } },
      artifacts: { dtype: 'float32' },
      tiers: { research: { minCondensedTokens: 1, maxCondensedTokens: 100_000 } },
    });
    try {
      const res = await postJson(`${backend.url}/condense`, { context, target_model: MODEL });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return decodeNpy(new Uint8Array(await (await fetch(res.body.compressed_kv_url as string)).arrayBuffer()));
    } finally {
      await backend.stop();
    }
  }

  /** Element (layer, kv, head, token, dim) of a (L, 2, 1, H, S, D) array. */
  const at = (npy: DecodedNpy, l: number, kv: number, h: number, t: number, d: number) => {
    const [, , , H, S, D] = npy.shape;
    return npy.data[(((l * 2 + kv) * H + h) * S + t) * D + d];
  };

  it('ratio 0: the file is the full cache (post-RoPE keys and values) of the reference forward', async () => {
    const npy = await npyFor({ press: 'knorm', compressionRatio: 0 });
    const { layers: numLayers, kvHeads: numKvHeads, headDim } = TEST_MODELS.mistralGqa4;
    expect(npy.shape).toEqual([numLayers, 2, 1, numKvHeads, full.tokens, headDim]);
    let maxDiff = 0;
    for (let l = 0; l < numLayers; l++)
      for (const [kv, part] of [[0, 'key'], [1, 'value']] as const)
        for (let h = 0; h < numKvHeads; h++)
          for (let t = 0; t < full.tokens; t++)
            for (let d = 0; d < headDim; d++) {
              const want = (full.layers[l][part] as Float32Array)[(h * full.tokens + t) * headDim + d];
              maxDiff = Math.max(maxDiff, Math.abs(at(npy, l, kv, h, t, d) - want));
            }
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
  });

  it('Knorm 0.75: the file holds exactly the per-head lowest-norm keys of the full cache, with their values', async () => {
    const npy = await npyFor({ press: 'knorm', compressionRatio: 0.75 });
    const S = full.tokens;
    const D = 16;
    const k = Math.trunc(S * (1 - 0.75));
    expect(npy.shape).toEqual([2, 2, 1, 2, k, D]);
    const rowOf = (data: Float32Array, h: number, t: number) => data.subarray((h * S + t) * D, (h * S + t + 1) * D);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).every((v, i) => Math.abs(v - b[i]) <= 1e-4);
    for (let l = 0; l < 2; l++) {
      for (let h = 0; h < 2; h++) {
        const key = full.layers[l].key as Float32Array;
        const value = full.layers[l].value as Float32Array;
        const norms = Array.from({ length: S }, (_, t) => Math.hypot(...rowOf(key, h, t)));
        // Each stored row is the full cache's key at some position, stored with that position's value.
        const positions = Array.from({ length: k }, (_, row) => {
          const stored = Array.from({ length: D }, (_, d) => at(npy, l, 0, h, row, d));
          const t = Array.from({ length: S }, (_, i) => i).find((i) => close(stored, rowOf(key, h, i)));
          expect(t, `layer ${l} head ${h} row ${row} is not a key of the full cache`).toBeDefined();
          expect(close(Array.from({ length: D }, (_, d) => at(npy, l, 1, h, row, d)), rowOf(value, h, t!))).toBe(true);
          return t!;
        });
        // Distinct tokens, in position order (docs/presses.md).
        expect(positions).toEqual([...new Set(positions)].sort((a, b) => a - b));
        // Lowest norms: no dropped key is shorter than a kept one. (Layer 0 has exact ties:
        // a repeated token has the same key norm at every position, RoPE being a rotation.)
        const kept = new Set(positions);
        const maxKept = Math.max(...positions.map((t) => norms[t]));
        const minDropped = Math.min(...norms.filter((_, t) => !kept.has(t)));
        expect(maxKept).toBeLessThanOrEqual(minDropped + 1e-5);
      }
    }
  });
});
