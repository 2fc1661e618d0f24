import type { ScorerPress } from '@neural-condense/sdk';
import { softmaxInPlace } from './attention-math.js';

/** Options of the LagKV press. */
export interface LagKvPressOptions {
  /** Sink tokens always kept. Default 4. */
  nSink?: number;
  /** Partition length; each partition is judged against the next one. Default 128. */
  lagSize?: number;
}

/**
 * LagKV (Liang et al. 2025): after the sinks, cut the sequence into partitions of `lag`
 * tokens. A token of partition p is min-max normalised per channel with the range of
 * partition p+1; its score is the softmax (over the partition) of the channel standard
 * deviation, averaged over keys and values, then turned into its rank within the
 * partition / lag. Sinks and the last partition (plus the remainder) score 1. A context
 * shorter than nSink + 2·lag scores by recency.
 */
export function lagKvPress(options: LagKvPressOptions = {}): ScorerPress {
  const nSink = options.nSink ?? 4;
  const lag = options.lagSize ?? 128;
  return {
    name: `lagkv(n_sink=${nSink},lag=${lag})`,
    needs: {},
    score(layer, { config, tokens: S }) {
      const { numKvHeads: H, headDim: d } = config;
      const scores = new Float32Array(H * S).fill(1);
      if (S < nSink + 2 * lag) {
        for (let h = 0; h < H; h++) for (let t = nSink; t < S; t++) scores[h * S + t] = Math.fround((t - nSink) / (S - nSink));
        return scores;
      }
      const partitions = Math.floor((S - nSink) / lag);
      const part = new Float64Array(lag);
      const valuePart = new Float64Array(lag);
      for (let h = 0; h < H; h++) {
        for (let p = 0; p + 1 < partitions; p++) {
          const start = nSink + p * lag;
          lagScores(layer.key, h * S + start, lag, d, part);
          lagScores(layer.value, h * S + start, lag, d, valuePart);
          for (let i = 0; i < lag; i++) part[i] = (part[i] + valuePart[i]) / 2;
          const ranks = rankOf(part);
          for (let i = 0; i < lag; i++) scores[h * S + start + i] = ranks[i] / lag;
        }
      }
      return scores;
    },
  };
}

/**
 * Scores of the `lag` rows starting at row `first` of x [rows, d], judged against the next
 * `lag` rows: softmax over the partition of std_c((x − min_ref) / (max_ref − min_ref)).
 */
function lagScores(x: Float32Array, first: number, lag: number, d: number, out: Float64Array): void {
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  for (let r = first + lag; r < first + 2 * lag; r++) {
    for (let c = 0; c < d; c++) {
      const v = x[r * d + c];
      if (v < min[c]) min[c] = v;
      if (v > max[c]) max[c] = v;
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < lag; i++) {
    let mean = 0;
    for (let c = 0; c < d; c++) {
      z[c] = (x[(first + i) * d + c] - min[c]) / (max[c] - min[c]);
      mean += z[c] / d;
    }
    let ss = 0;
    for (let c = 0; c < d; c++) ss += (z[c] - mean) ** 2;
    out[i] = Math.sqrt(ss / (d - 1)); // torch.std is unbiased by default
  }
  softmaxInPlace(out, 0, lag);
}

/** Rank of each value in ascending order (argsort of argsort); equal values rank by position, NaN highest as torch sorts it. */
function rankOf(x: Float64Array): Int32Array {
  const key = (i: number) => (Number.isNaN(x[i]) ? Infinity : x[i]);
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
  const ranks = new Int32Array(x.length);
  order.forEach((i, r) => (ranks[i] = r));
  return ranks;
}
