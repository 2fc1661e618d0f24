import type { KvData } from '../kv-cache.js';

/**
 * A decoder-only transformer of the Llama family (Llama, Mistral, Qwen2), normalised
 * from a Hugging Face `config.json`. Architectures differ only by these values.
 */
export interface DecoderConfig {
  architecture: 'llama' | 'mistral' | 'qwen2';
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** `rope_scaling` from config.json; `llama3` is Llama 3.1's frequency-dependent scaling. */
  ropeScaling: RopeScaling | null;
  maxPositionEmbeddings: number;
  /** Sliding-window attention span in tokens, or null for full attention. */
  slidingWindow: number | null;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry a bias (Qwen2). */
  attentionBias: boolean;
  bosTokenId: number | null;
  eosTokenId: number | null;
}

export type RopeScaling =
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number }
  | { type: 'linear'; factor: number };

/** Extra per-layer outputs a press may ask the prefill for. */
export interface PrefillExtras {
  /** Post-RoPE queries of the last `queryWindow` positions (SnapKV, TOVA). */
  queryWindow?: number;
  /** Mean and covariance of pre-RoPE queries over positions >= `skipFirst` (ExpectedAttention). */
  queryStats?: { skipFirst: number };
  /** Per query head, the sum over query positions of the causal attention each key receives (ObservedAttention). */
  attentionColumnSums?: boolean;
  /**
   * Per query head, the mean over the last min(w, S−1) post-RoPE queries (w here, at least
   * one) of their causal softmax attention over all S keys (SnapKV: w = 64, TOVA: w = 1).
   * Causal mask only, no sliding window, as kvpress computes it.
   */
  windowAttention?: number;
  /** Per query head, ExpectedAttention's logit of every key (see `ExpectedAttentionExtra`). */
  expectedAttention?: ExpectedAttentionExtra;
}

/**
 * ExpectedAttention's expected logit per (query head, key): future queries ~ N(μ', Σ') with
 * μ, Σ the pre-RoPE query mean and covariance (divided by N) over positions >= `skipFirst`,
 * R̄ the mean RoPE rotation over positions [S, S + futurePositions), μ' = R̄μ, Σ' = R̄ΣR̄ᵀ;
 * logit(k) = k·μ'/√d (+ ½·kᵀΣ'k/d with `covariance`). All keys, zeros when S <= skipFirst.
 */
export interface ExpectedAttentionExtra {
  skipFirst: number;
  futurePositions: number;
  covariance: boolean;
}

export interface PrefillRequest {
  inputIds: readonly number[];
  extras?: PrefillExtras;
  signal?: AbortSignal;
}

/** One layer's outputs of a prefill. All arrays C order. */
export interface LayerOutputs {
  /** Post-RoPE keys, [kvHeads, tokens, headDim]. */
  key: KvData;
  /** Values, [kvHeads, tokens, headDim]. */
  value: KvData;
  /** Post-RoPE queries of the last w positions, [numHeads, w, headDim]. */
  queryWindow?: Float32Array;
  /** Pre-RoPE query mean, [numHeads, headDim]. */
  queryMean?: Float32Array;
  /** Pre-RoPE query covariance (divided by N), [numHeads, headDim, headDim]. */
  queryCov?: Float32Array;
  /** Attention column sums, [numHeads, tokens]. */
  attentionColumnSums?: Float32Array;
  /** Mean window attention (PrefillExtras.windowAttention), [numHeads, tokens]. */
  windowAttention?: Float32Array;
  /** ExpectedAttention logits (PrefillExtras.expectedAttention), [numHeads, tokens]. */
  expectedAttentionLogits?: Float32Array;
}

export interface PrefillOutputs {
  tokens: number;
  layers: LayerOutputs[];
}

/**
 * Runs one uncompressed prefill and returns the cache plus requested extras. Implemented
 * by the ONNX runtime (production) and the float64 reference forward (tests).
 */
export interface PrefillEngine {
  readonly config: DecoderConfig;
  prefill(request: PrefillRequest): Promise<PrefillOutputs>;
  close(): Promise<void>;
}
