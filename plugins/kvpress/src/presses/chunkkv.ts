import type { ScorerPress } from '@neural-condense/sdk';

/** Options of the ChunkKV wrapper. */
export interface ChunkKvPressOptions {
  /** Tokens per chunk. Default 20. */
  chunkLength?: number;
}

/**
 * ChunkKV (Liu et al. 2025) around a base press: the base scores are summed over kv heads
 * and averaged per chunk of `chunkLength` tokens (the last chunk may be shorter); every
 * token carries its chunk's score, so whole chunks are kept, the same ones in every head.
 * Unlike kvpress, which keeps max(1, int(chunks·(1−r))) whole chunks, the kept count stays
 * the exact int(S·(1−r)): the lowest-ranked chunk kept may be cut, keeping its first tokens.
 */
export function chunkKvPress(base: ScorerPress, options: ChunkKvPressOptions = {}): ScorerPress {
  const chunkLength = options.chunkLength ?? 20;
  return {
    name: `chunkkv(${base.name},chunk=${chunkLength})`,
    needs: base.needs,
    score(layer, ctx) {
      const { tokens: S, config } = ctx;
      const H = config.numKvHeads;
      const baseScores = base.score(layer, ctx);
      const scores = new Float32Array(H * S);
      for (let start = 0; start < S; start += chunkLength) {
        const end = Math.min(S, start + chunkLength);
        let sum = 0;
        for (let h = 0; h < H; h++) for (let t = start; t < end; t++) sum += baseScores[h * S + t];
        const chunkScore = sum / (end - start);
        for (let h = 0; h < H; h++) scores.fill(chunkScore, h * S + start, h * S + end);
      }
      return scores;
    },
  };
}
