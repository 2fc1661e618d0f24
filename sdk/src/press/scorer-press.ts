import type { DecoderConfig, LayerOutputs, PrefillExtras } from '../llm/types.js';

/**
 * One layer's prefill outputs as a scorer reads them: keys and values always float32
 * (half-float caches from GPU sessions are converted on first access), extras as produced.
 */
export interface ScoredLayer extends Omit<LayerOutputs, 'key' | 'value'> {
  /** Post-RoPE keys, [kvHeads, tokens, headDim]. */
  readonly key: Float32Array;
  /** Values, [kvHeads, tokens, headDim]. */
  readonly value: Float32Array;
}

/** What a scorer knows besides the layer's tensors. */
export interface ScoreContext {
  /** Index of the layer being scored, 0-based. */
  layerIndex: number;
  config: DecoderConfig;
  /** Tokens in the uncompressed prefill (S). */
  tokens: number;
  /** Tokens every head of this layer will keep, after the tier clamp. */
  kept: number;
}

/**
 * A KV-cache press that scores every (kv head, token); `applyScorerPress` keeps the
 * highest-scoring tokens per head. The kvpress `ScorerPress.score` contract, in TypeScript.
 */
export interface ScorerPress {
  /** Short name for logs, e.g. `knorm` or `snapkv(window=64)`. */
  readonly name: string;
  /** Extra outputs the prefill must compute for `score`. */
  readonly needs: PrefillExtras;
  /** Scores as [kvHeads, tokens] float32; higher means keep. NaN ranks below every number. */
  score(layer: ScoredLayer, ctx: ScoreContext): Float32Array;
}
