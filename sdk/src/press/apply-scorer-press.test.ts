import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.js';
import { float32ToHalf, fromHalf } from '../float16.js';
import { ropeInvFreq, ropeTables, applyRotary } from '../llm/rope.js';
import { mulberry32 } from '../llm/seeded-random.js';
import type { DecoderConfig, PrefillOutputs } from '../llm/types.js';
import { applyScorerPress, selectKeptTokens } from './apply-scorer-press.js';
import { keptTokenCount } from './kept-count.js';
import type { ScorerPress } from './scorer-press.js';
import { topKPositions } from './top-k.js';

const config: DecoderConfig = {
  architecture: 'mistral', hiddenSize: 64, intermediateSize: 128, numLayers: 3, numHeads: 4, numKvHeads: 2, headDim: 8,
  vocabSize: 100, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, maxPositionEmbeddings: 4096, slidingWindow: null,
  tieWordEmbeddings: false, attentionBias: false, bosTokenId: 1, eosTokenId: 2,
};
const open = { min: 0, max: 1_000_000 };

/** Random synthetic outputs [layers][kvHeads, S, headDim]. */
function outputs(S: number, seed = 1): PrefillOutputs {
  const rand = mulberry32(seed);
  const n = config.numKvHeads * S * config.headDim;
  const layers = Array.from({ length: config.numLayers }, () => ({
    key: Float32Array.from({ length: n }, () => rand() * 2 - 1),
    value: Float32Array.from({ length: n }, () => rand() * 2 - 1),
  }));
  return { tokens: S, layers };
}

/** Scores each token by the first channel of its key: easy to predict by hand. */
const firstChannel: ScorerPress = {
  name: 'first-channel',
  needs: {},
  score: (layer, ctx) => {
    const out = new Float32Array(config.numKvHeads * ctx.tokens);
    for (let i = 0; i < out.length; i++) out[i] = layer.key[i * config.headDim];
    return out;
  },
};

/** Brute force: sort (score desc, position asc), take k, sort positions. */
function bruteTopK(scores: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  const s = (i: number) => (Number.isNaN(scores[i]) ? -Infinity : scores[i]);
  idx.sort((a, b) => s(b) - s(a) || a - b);
  return idx.slice(0, k).sort((a, b) => a - b);
}

describe('keptTokenCount', () => {
  it('truncates S*(1-ratio) as Python int() does (values computed with CPython)', () => {
    const cases: Array<[number, number, number]> = [
      [10, 0.9, 0], [10, 0.7, 3], [150, 0.32, 101], [140, 0.55, 62], [130, 0.8, 25], [333, 0.1, 299], [200, 0.57, 86], [4096, 0.75, 1024],
    ];
    for (const [S, r, want] of cases) expect(keptTokenCount(S, r, open).press, `S=${S} r=${r}`).toBe(want);
  });
  it('clamps into the budget and never above S', () => {
    expect(keptTokenCount(10, 0.9, { min: 4, max: 8 })).toEqual({ press: 0, kept: 4 });
    expect(keptTokenCount(4096, 0, { min: 128, max: 1024 })).toEqual({ press: 4096, kept: 1024 });
    expect(keptTokenCount(200, 0.75, { min: 128, max: 1024 })).toEqual({ press: 50, kept: 128 });
    expect(keptTokenCount(130, 0, { min: 128, max: 1024 }).kept).toBe(130);
  });
  it('rejects a context shorter than the budget minimum and ratios outside [0, 1)', () => {
    expect(() => keptTokenCount(100, 0.5, { min: 128, max: 1024 })).toThrow(BadRequestError);
    expect(() => keptTokenCount(100, 0.5, { min: 128, max: 1024 })).toThrow(/100 tokens, fewer than the 128/);
    expect(() => keptTokenCount(100, 1, open)).toThrow(/\[0, 1\)/);
    expect(() => keptTokenCount(100, -0.1, open)).toThrow(/\[0, 1\)/);
    expect(() => keptTokenCount(100, Number.NaN, open)).toThrow(/\[0, 1\)/);
  });
});

describe('topKPositions', () => {
  it('matches a brute-force sort on random scores with ties and NaN', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 50; trial++) {
      const T = 1 + Math.floor(rand() * 40);
      const heads = 3;
      // Few distinct values so ties are common.
      const scores = Float32Array.from({ length: heads * T }, () => (rand() < 0.1 ? Number.NaN : Math.floor(rand() * 5)));
      const k = Math.floor(rand() * (T + 1));
      const got = topKPositions(scores, heads, T, k);
      for (let h = 0; h < heads; h++) {
        expect([...got.subarray(h * k, (h + 1) * k)]).toEqual(bruteTopK(scores.subarray(h * T, (h + 1) * T), k));
      }
    }
  });
  it('breaks ties toward the earlier position and ranks NaN last', () => {
    expect([...topKPositions(Float32Array.of(1, 2, 2, 2, 0), 1, 5, 2)]).toEqual([1, 2]);
    expect([...topKPositions(Float32Array.of(Number.NaN, -5, Number.NaN), 1, 3, 2)]).toEqual([0, 1]);
    expect([...topKPositions(Float32Array.of(3, 1, 2, 0, 9, 8), 2, 3, 1)]).toEqual([0, 1]);
  });
});

describe('applyScorerPress', () => {
  it('keeps the top-scored rows of each head, the same count everywhere, in positional order', () => {
    const S = 40;
    const out = outputs(S);
    const cache = applyScorerPress(out, firstChannel, { config, compressionRatio: 0.75, budget: open });
    expect(cache.tokens).toBe(10);
    const { numKvHeads: H, headDim: D } = config;
    out.layers.forEach((layer, l) => {
      for (let h = 0; h < H; h++) {
        const first = Array.from({ length: S }, (_, t) => (layer.key as Float32Array)[(h * S + t) * D]);
        const keep = bruteTopK(Float32Array.from(first), 10);
        keep.forEach((t, j) => {
          expect([...cache.data[l].key.subarray((h * 10 + j) * D, (h * 10 + j + 1) * D)]).toEqual([...layer.key.subarray((h * S + t) * D, (h * S + t + 1) * D)]);
          expect([...cache.data[l].value.subarray((h * 10 + j) * D, (h * 10 + j + 1) * D)]).toEqual([...layer.value.subarray((h * S + t) * D, (h * S + t + 1) * D)]);
        });
      }
    });
  });

  it('returns the full cache unchanged at ratio 0 without calling the scorer', () => {
    const out = outputs(16);
    const never: ScorerPress = { name: 'never', needs: {}, score: () => { throw new Error('scored'); } };
    const cache = applyScorerPress(out, never, { config, compressionRatio: 0, budget: open });
    expect(cache.tokens).toBe(16);
    cache.data.forEach((layer, l) => {
      expect(layer.key).toEqual(out.layers[l].key);
      expect(layer.value).toEqual(out.layers[l].value);
    });
  });

  it('works on half-float caches and keeps their bits', () => {
    const f32 = outputs(24, 3);
    const half: PrefillOutputs = { tokens: 24, layers: f32.layers.map((l) => ({ key: float32ToHalf(l.key as Float32Array), value: float32ToHalf(l.value as Float32Array) })) };
    const seen: number[] = [];
    const spy: ScorerPress = { ...firstChannel, score: (layer, ctx) => { seen.push(layer.key[0]); return firstChannel.score(layer, ctx); } };
    const cache = applyScorerPress(half, spy, { config, compressionRatio: 0.5, budget: open });
    expect(seen[0]).toBe(fromHalf((half.layers[0].key as Uint16Array)[0]));
    const sel = selectKeptTokens(half, firstChannel, { config, compressionRatio: 0.5, budget: open });
    const D = config.headDim;
    cache.data.forEach((layer, l) => {
      expect(layer.key).toBeInstanceOf(Uint16Array);
      const p = sel.layers[l].positions;
      for (let h = 0; h < config.numKvHeads; h++) {
        for (let j = 0; j < 12; j++) {
          const src = (h * 24 + p[h * 12 + j]) * D;
          expect([...layer.key.subarray((h * 12 + j) * D, (h * 12 + j + 1) * D)]).toEqual([...half.layers[l].key.subarray(src, src + D)]);
        }
      }
    });
  });

  it('re-rotates kept keys so their dot product with a later query depends only on the new distance', () => {
    const S = 30;
    const out = outputs(S, 5);
    const plain = applyScorerPress(out, firstChannel, { config, compressionRatio: 0.6, budget: open });
    const moved = applyScorerPress(out, firstChannel, { config, compressionRatio: 0.6, budget: open, rerotateKeys: true });
    const sel = selectKeptTokens(out, firstChannel, { config, compressionRatio: 0.6, budget: open });
    const k = sel.kept;
    const D = config.headDim;
    const inv = ropeInvFreq(config);
    const q = Float64Array.from({ length: D }, (_, i) => Math.sin(i + 1));
    // A query at the question position T+j sees a re-rotated key (new position S-k+m)
    // as the original key at its old position p sees a query at p + (T+j - (S-k+m)).
    const rotated = (pos: number) => {
      const x = Float64Array.from(q);
      applyRotary(x, 1, 1, ropeTables(inv, [pos]));
      return x;
    };
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < D; i++) s += a[i] * b[i]; return s; };
    for (const l of [0, 2]) {
      for (let h = 0; h < config.numKvHeads; h++) {
        for (let m = 0; m < k; m++) {
          const p = sel.layers[l].positions[h * k + m];
          const row = (c: typeof plain) => c.data[l].key.subarray((h * k + m) * D, (h * k + m + 1) * D);
          const distance = S + 2 - (S - k + m);
          expect(dot(rotated(S + 2), row(moved))).toBeCloseTo(dot(rotated(p + distance), row(plain)), 5);
        }
      }
    }
    // Values are not touched by re-rotation.
    expect(moved.data[1].value).toEqual(plain.data[1].value);
  });

  it('names the press when it returns the wrong number of scores, and stops when aborted', () => {
    const bad: ScorerPress = { name: 'short', needs: {}, score: () => new Float32Array(3) };
    expect(() => applyScorerPress(outputs(8), bad, { config, compressionRatio: 0.5, budget: open })).toThrow(/press short returned 3 scores/);
    const short = outputs(8);
    short.layers[1] = { key: short.layers[1].key.subarray(1), value: short.layers[1].value };
    expect(() => applyScorerPress(short, firstChannel, { config, compressionRatio: 0.5, budget: open })).toThrow(/layer 1 has 127 key/);
    const ac = new AbortController();
    ac.abort();
    expect(() => applyScorerPress(outputs(8), firstChannel, { config, compressionRatio: 0.5, budget: open, signal: ac.signal })).toThrow(/aborted|deadline/);
  });
});
