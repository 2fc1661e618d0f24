import type { KvCache } from './kv-cache.js';
import type { TokenBudget } from './tier.js';

/** One condense request as a compressor sees it. */
export interface CompressionRequest {
  /** Opaque id for logs and artifact names. */
  id: string;
  /** The validator's context text, unmodified. */
  context: string;
  /** The `target_model` the validator asked for (already checked against `supportedModels`). */
  targetModel: string;
  /** Tier name (`research`, `inference_0`, ...). */
  tier: string;
  /** Condensed-token bounds the produced cache must satisfy. */
  tokenBudget: TokenBudget;
  /** Absolute deadline in ms since epoch; work past it is wasted. */
  deadline: number;
  /** Aborted when the deadline passes or the server shuts down. Check it between steps. */
  signal: AbortSignal;
}

/** Per-stage timings a compressor may report, in milliseconds. */
export type StageTimings = Record<string, number>;

/** A compressed KV cache of the target model. */
export interface KvCacheResult {
  kind: 'kv-cache';
  cache: KvCache;
  /** Tokens of the formatted context before compression. */
  originalTokens: number;
  timings?: StageTimings;
}

/** Compressed text for tiers that score text (the subnet's later `universal` tier). */
export interface TextResult {
  kind: 'text';
  compressedContext: string;
  timings?: StageTimings;
}

/**
 * What a compressor returns. A discriminated union so new output kinds can be added
 * without breaking existing plugins: core checks `kind` and rejects kinds the tier
 * does not accept.
 */
export type CompressionResult = KvCacheResult | TextResult;

/**
 * A compression algorithm. Core runs one `compress` at a time per instance (one GPU job),
 * queues the rest, and enforces deadlines through `request.signal`.
 */
export interface Compressor {
  /** Short name for logs and metrics, e.g. `kvpress/knorm`. */
  readonly name: string;
  /** `target_model` strings this compressor serves. */
  readonly supportedModels: readonly string[];
  /** Output kinds it can produce. */
  readonly outputs: readonly CompressionResult['kind'][];
  /** Loads models, warms up. Called once before the first request. */
  init?(): Promise<void>;
  compress(request: CompressionRequest): Promise<CompressionResult>;
  /** Releases sessions and memory. */
  close?(): Promise<void>;
}
