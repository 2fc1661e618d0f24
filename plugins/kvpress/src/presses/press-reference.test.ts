import { describe, expect, it } from 'vitest';
import { selectKeptTokens, type ScoreContext, type ScorerPress } from '@neural-condense/sdk';
import { referenceForward, ropeInvFreq, TEST_MODELS, testModelConfig, testModelWeights, type PrefillOutputs } from '@neural-condense/sdk/llm';
import { PRESSES } from './index.js';

// Each press against a plain re-statement of its kvpress formula, written here in the
// shape of the PyTorch code (repeat_kv, matmul, triu mask, softmax, avg_pool1d, pad) on
// nested arrays, and run on real model outputs (the reference forward of a seeded model).

type T3 = number[][][];
type T2 = number[][];

const spec = TEST_MODELS.mistralGqa4;
const config = testModelConfig(spec);
const { numHeads: nH, numKvHeads: H, headDim: d } = config;
const group = nH / H;
const weights = new Map(testModelWeights(spec).map((t) => [t.name, t.data]));
const S = 150;
const W = 16;
const ids = Array.from({ length: S }, (_, i) => (i === 0 ? 1 : 3 + ((i * 104729) % 31990)));
const out: PrefillOutputs = referenceForward(config, weights, ids, { queryWindow: W, queryStats: { skipFirst: 4 }, attentionColumnSums: true });
const withNeeds = new Map<string, PrefillOutputs>();
/** The same prefill with the extras `press` asks for (the presses score from those; the formulas below from `out`). */
function prefillFor(press: ScorerPress): PrefillOutputs {
  const key = JSON.stringify(press.needs);
  if (!withNeeds.has(key)) withNeeds.set(key, referenceForward(config, weights, ids, press.needs));
  return withNeeds.get(key)!;
}

const unflat = (x: ArrayLike<number>, a: number, b: number, c: number): T3 =>
  Array.from({ length: a }, (_, i) => Array.from({ length: b }, (_, j) => Array.from({ length: c }, (_, k) => x[(i * b + j) * c + k])));
const unflat2 = (x: ArrayLike<number>, a: number, b: number): T2 => Array.from({ length: a }, (_, i) => Array.from({ length: b }, (_, j) => x[i * b + j]));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const softmax = (a: number[]) => { const m = Math.max(...a); const e = a.map((v) => Math.exp(v - m)); const z = e.reduce((s, v) => s + v, 0); return e.map((v) => v / z); };
const repeatKv = <X>(kv: X[]): X[] => Array.from({ length: nH }, (_, h) => kv[Math.floor(h / group)]);
const groupMean = (perHead: T2): T2 => Array.from({ length: H }, (_, g) => perHead[0].map((_, t) => mean(perHead.slice(g * group, (g + 1) * group).map((row) => row[t]))));
const matmul = (a: T2, b: T2): T2 => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a: T2): T2 => a[0].map((_, j) => a.map((row) => row[j]));
const padLeft = (x: T2, n: number, v: number) => x.map((row) => [...Array(n).fill(v), ...row]);
const padRight = (x: T2, n: number, v: number) => x.map((row) => [...row, ...Array(n).fill(v)]);
const maxAll = (x: T2) => Math.max(...x.flat());

const layer = (l: number) => ({ keys: unflat(out.layers[l].key, H, S, d), values: unflat(out.layers[l].value, H, S, d), raw: out.layers[l] });

/** Post-RoPE window attention as SnapKVPress.compute_window_attention, columns before the window: [nH][w][S-w]. */
function windowAttention(l: number, w: number): T3 {
  const q = unflat(out.layers[l].queryWindow!, nH, W, d).map((rows) => rows.slice(W - w));
  const k = repeatKv(layer(l).keys);
  return q.map((rows, h) =>
    rows.map((qi, i) => softmax(k[h].map((ks, s) => (s >= S - w + 1 + i ? -Infinity : dot(qi, ks) / Math.sqrt(d)))).slice(0, S - w)),
  );
}

const reference: Record<string, (l: number, ctx: ScoreContext) => T2> = {
  knorm: (l) => layer(l).keys.map((rows) => rows.map((k) => -norm(k))),
  'streaming-llm': (_l, { kept }) => Array.from({ length: H }, () => Array.from({ length: S }, (_, t) => (t >= 4 && t < 4 + S - kept ? 0 : 1))),
  snapkv: (l) => {
    const kernel = 5;
    const attn = windowAttention(l, W).map((rows) => rows[0].map((_, s) => mean(rows.map((r) => r[s]))));
    const pooled = attn.map((row) => {
      const padded = [0, 0, ...row, 0, 0];
      return row.map((_, t) => padded.slice(t, t + kernel).reduce((a, b) => a + b, 0) / kernel);
    });
    const scores = groupMean(pooled);
    return padRight(scores, W, maxAll(scores) + 1);
  },
  tova: (l) => {
    const attn = windowAttention(l, 1).map((rows) => rows[0]);
    const shared = attn[0].map((_, s) => mean(attn.map((row) => row[s])));
    const scores = Array.from({ length: H }, () => [...shared]);
    return padRight(scores, 1, maxAll(scores) + 1);
  },
  'expected-attention': (l) => {
    const nSink = 4;
    const nFuture = 64;
    const inv = ropeInvFreq(config);
    // R = mean_p (cos_p ⊙ I + sin_p ⊙ P), P = [[0, -I], [I, 0]], cos_p = cat(cos(p·θ), cos(p·θ)).
    const R: T2 = Array.from({ length: d }, () => Array(d).fill(0));
    for (let p = S; p < S + nFuture; p++) {
      const ang = [...inv, ...inv].map((f) => p * f);
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          const I = i === j ? 1 : 0;
          const P = i >= d / 2 && j === i - d / 2 ? 1 : i < d / 2 && j === i + d / 2 ? -1 : 0;
          R[i][j] += (Math.cos(ang[j]) * I + Math.sin(ang[j]) * P) / nFuture;
        }
      }
    }
    const mu = unflat2(out.layers[l].queryMean!, nH, d);
    const cov = unflat(out.layers[l].queryCov!, nH, d, d);
    const muR = matmul(mu, transpose(R));
    const covR = cov.map((c) => matmul(R, matmul(c, transpose(R))));
    const keys = repeatKv(layer(l).keys.map((rows) => rows.slice(nSink)));
    const perHead = keys.map((rows, h) => softmax(rows.map((k) => dot(muR[h], k) / Math.sqrt(d) + dot(k, matmul(covR[h], k.map((v) => [v])).map((r) => r[0])) / d / 2)));
    const vnorm = layer(l).values.map((rows) => rows.slice(nSink).map(norm));
    const scores = groupMean(perHead).map((row, h) => row.map((s, t) => s * vnorm[h][t]));
    return padLeft(scores, nSink, maxAll(scores) + 1);
  },
  'observed-attention': (l) => {
    const sums = unflat2(out.layers[l].attentionColumnSums!, nH, S);
    return groupMean(sums.map((row) => row.map((v, j) => v / (S - j))));
  },
  keydiff: (l) =>
    layer(l).keys.map((rows) => {
      const unit = rows.map((k) => k.map((v) => v / norm(k)));
      const anchor = unit[0].map((_, c) => mean(unit.map((u) => u[c])));
      return rows.map((k) => -dot(k, anchor) / (norm(k) * norm(anchor)));
    }),
  lagkv: (l) => {
    const nSink = 4;
    const lag = 16;
    const end = nSink + Math.floor((S - nSink) / lag) * lag;
    const parts = (end - nSink) / lag;
    const stateScore = (x: number[][]) => {
      // x: [S][d] of one head; partition p judged by partition p + 1.
      const scores: number[][] = [];
      for (let p = 0; p + 1 < parts; p++) {
        const v = x.slice(nSink + p * lag, nSink + (p + 1) * lag);
        const ref = x.slice(nSink + (p + 1) * lag, nSink + (p + 2) * lag);
        const minR = ref[0].map((_, c) => Math.min(...ref.map((r) => r[c])));
        const maxR = ref[0].map((_, c) => Math.max(...ref.map((r) => r[c])));
        const std = v.map((row) => {
          const z = row.map((val, c) => (val - minR[c]) / (maxR[c] - minR[c]));
          const m = mean(z);
          return Math.sqrt(z.reduce((s, val) => s + (val - m) ** 2, 0) / (z.length - 1));
        });
        scores.push(softmax(std));
      }
      return scores;
    };
    const { keys, values } = layer(l);
    return keys.map((kh, h) => {
      const ks = stateScore(kh);
      const vs = stateScore(values[h]);
      const ranked = ks.flatMap((kp, p) => {
        const s = kp.map((v, i) => (v + vs[p][i]) / 2);
        const order = s.map((_, i) => i).sort((a, b) => s[a] - s[b] || a - b);
        const rank = Array<number>(lag);
        order.forEach((i, r) => (rank[i] = r / lag));
        return rank;
      });
      return [...Array(nSink).fill(1), ...ranked, ...Array(S - nSink - ranked.length).fill(1)];
    });
  },
  chunkkv: (l, ctx) => {
    // Base press knorm, chunks of 8: every token carries the mean over its chunk of the head-summed base score.
    const base = reference.knorm(l, ctx);
    const summed = base[0].map((_, t) => base.reduce((s, row) => s + row[t], 0));
    const chunkScore = summed.map((_, t) => { const c = Math.floor(t / 8); return mean(summed.slice(c * 8, Math.min(S, c * 8 + 8))); });
    return Array.from({ length: H }, () => [...chunkScore]);
  },
};

const options = { nSink: 4, windowSize: W, kernelSize: 5, nFuturePositions: 64, lagSize: 16, chunkLength: 8, chunkPress: 'knorm' as const };

describe('presses equal their formula on real model outputs', () => {
  describe.each(Object.keys(reference))('%s', (name) => {
    const press: ScorerPress = PRESSES[name as keyof typeof PRESSES](options);
    it.each([0, 1])('layer %i', (l) => {
      const ctx: ScoreContext = { layerIndex: l, config, tokens: S, kept: 60 };
      const own = prefillFor(press).layers[l];
      const got = press.score({ ...own, key: own.key as Float32Array, value: own.value as Float32Array }, ctx);
      const want = reference[name](l, ctx).flat();
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1e-3, Math.abs(want[i])));
      expect(worst, `${name} layer ${l}: worst relative difference`).toBeLessThan(1e-5);
      // The scores are not degenerate: the selection depends on them.
      expect(new Set(want.map((v) => v.toFixed(6))).size).toBeGreaterThan(name === 'streaming-llm' ? 1 : 8);
    });
  });
});

describe('what each press keeps', () => {
  const keep = (name: keyof typeof PRESSES, ratio: number, o = options, outputs?: PrefillOutputs) => {
    const press = PRESSES[name](o);
    return selectKeptTokens(outputs ?? prefillFor(press), press, { config, compressionRatio: ratio, budget: { min: 0, max: 10_000 } });
  };
  const head = (sel: ReturnType<typeof keep>, l: number, h: number) => [...sel.layers[l].positions.subarray(h * sel.kept, (h + 1) * sel.kept)];

  it('knorm keeps the lowest-norm keys of each head', () => {
    const sel = keep('knorm', 0.75);
    for (let h = 0; h < H; h++) {
      const norms = layer(1).keys[h].map(norm);
      const threshold = [...norms].sort((a, b) => a - b)[sel.kept - 1];
      expect(head(sel, 1, h).every((t) => norms[t] <= threshold)).toBe(true);
      expect(norms.filter((v) => v < threshold).length).toBeLessThan(sel.kept);
    }
  });

  it('streaming-llm keeps the sinks and the most recent tokens', () => {
    const sel = keep('streaming-llm', 0.75);
    expect(head(sel, 0, 1)).toEqual([0, 1, 2, 3, ...Array.from({ length: sel.kept - 4 }, (_, i) => S - sel.kept + 4 + i)]);
  });

  it('snapkv keeps its window, expected-attention and lagkv their sinks, tova the last token', () => {
    for (let h = 0; h < H; h++) expect(head(keep('snapkv', 0.75), 0, h).slice(-W)).toEqual(Array.from({ length: W }, (_, i) => S - W + i));
    for (let h = 0; h < H; h++) expect(head(keep('expected-attention', 0.75), 1, h).slice(0, 4)).toEqual([0, 1, 2, 3]);
    const lag = head(keep('lagkv', 0.5), 0, 0);
    expect(lag.slice(0, 4)).toEqual([0, 1, 2, 3]);
    const tail = 16 + S - (4 + Math.floor((S - 4) / 16) * 16);
    expect(lag.slice(-tail)).toEqual(Array.from({ length: tail }, (_, i) => S - tail + i));
    const tova = keep('tova', 0.75);
    expect(head(tova, 0, 0)).toEqual(head(tova, 0, 1));
    expect(head(tova, 0, 0).at(-1)).toBe(S - 1);
  });

  it('lagkv scores a context shorter than nSink + 2·lag by recency', () => {
    const short = referenceForward(config, weights, ids.slice(0, 30), {});
    const sel = keep('lagkv', 0.5, options, short);
    expect(head(sel, 0, 0)).toEqual([0, 1, 2, 3, ...Array.from({ length: 11 }, (_, i) => 19 + i)]);
  });

  it('chunkkv keeps whole chunks, the same in every head, cutting at most one', () => {
    const sel = keep('chunkkv', 0.75);
    const p = head(sel, 0, 0);
    expect(head(sel, 0, 1)).toEqual(p);
    const perChunk = new Map<number, number>();
    for (const t of p) perChunk.set(Math.floor(t / 8), (perChunk.get(Math.floor(t / 8)) ?? 0) + 1);
    const partial = [...perChunk.entries()].filter(([c, n]) => n !== Math.min(8, S - c * 8));
    expect(partial.length).toBeLessThanOrEqual(1);
  });

  it('random is reproducible for a seed and differs across seeds and layers', () => {
    const a = keep('random', 0.5, { ...options, seed: 1 } as typeof options);
    const b = keep('random', 0.5, { ...options, seed: 1 } as typeof options);
    const c = keep('random', 0.5, { ...options, seed: 2 } as typeof options);
    expect(head(a, 0, 0)).toEqual(head(b, 0, 0));
    expect(head(a, 0, 0)).not.toEqual(head(c, 0, 0));
    expect(head(a, 0, 0)).not.toEqual(head(a, 1, 0));
    const scores = PRESSES.random({ seed: 3 }).score({ ...out.layers[0], key: out.layers[0].key as Float32Array, value: out.layers[0].value as Float32Array }, { layerIndex: 0, config, tokens: S, kept: 1 });
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...scores)).toBeLessThan(1);
    expect(Math.abs(mean([...scores]) - 0.5)).toBeLessThan(0.05);
  });
});
