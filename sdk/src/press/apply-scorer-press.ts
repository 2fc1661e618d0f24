import { throwIfAborted } from '../errors.js';
import { createKvCache, type KvCache, type KvLayer } from '../kv-cache.js';
import { ropeInvFreq } from '../llm/rope.js';
import type { DecoderConfig, LayerOutputs, PrefillOutputs } from '../llm/types.js';
import type { TokenBudget } from '../tier.js';
import { gatherRows } from './gather.js';
import { keptTokenCount } from './kept-count.js';
import { kvAsFloat32 } from './kv-float.js';
import { rerotateKeptKeys } from './rerotate-kept-keys.js';
import type { ScoredLayer, ScorerPress } from './scorer-press.js';
import { topKPositions } from './top-k.js';

/** Options of `applyScorerPress`. */
export interface ApplyScorerPressOptions {
  /** The model that produced the outputs. */
  config: DecoderConfig;
  /** Fraction of tokens to drop, in [0, 1), as kvpress' `compression_ratio`. */
  compressionRatio: number;
  /** The tier's condensed-token bounds; the kept count is clamped into them. */
  budget: TokenBudget;
  /**
   * Re-rotate kept keys to the positions right before the validator's question
   * (S-n .. S-1 for n kept of S tokens) instead of leaving them at their original positions.
   */
  rerotateKeys?: boolean;
  /** Checked between layers. */
  signal?: AbortSignal;
}

/** The kept positions of one layer, [kvHeads, kept] in ascending order per head. */
export interface LayerSelection {
  positions: Int32Array;
}

/** A press's selection over all layers, before the tensors are gathered. */
export interface PressSelection {
  /** Tokens kept by every head of every layer. */
  kept: number;
  /** kvpress' own count `int(S * (1 - ratio))` before the tier clamp. */
  pressKept: number;
  layers: LayerSelection[];
}

/** Presents a prefill layer to a scorer: float32 keys/values, converted lazily from half floats. */
function scoredLayer(layer: LayerOutputs): ScoredLayer {
  let key: Float32Array | undefined;
  let value: Float32Array | undefined;
  return {
    ...layer,
    get key() {
      return (key ??= kvAsFloat32(layer.key));
    },
    get value() {
      return (value ??= kvAsFloat32(layer.value));
    },
  };
}

/**
 * Scores every layer and picks the kept positions: the same count for every layer and
 * head (`int(S * (1 - ratio))`, clamped into the budget), the top scores per head, ties
 * to the earlier position, in positional order. Keeping all S tokens skips scoring.
 */
export function selectKeptTokens(outputs: PrefillOutputs, scorer: ScorerPress, options: Omit<ApplyScorerPressOptions, 'rerotateKeys'>): PressSelection {
  const S = outputs.tokens;
  const { config } = options;
  const H = config.numKvHeads;
  const { press, kept } = keptTokenCount(S, options.compressionRatio, options.budget);
  const layers = outputs.layers.map((layer, layerIndex): LayerSelection => {
    throwIfAborted(options.signal);
    if (kept === S) return { positions: Int32Array.from({ length: H * S }, (_, i) => i % S) };
    const scores = scorer.score(scoredLayer(layer), { layerIndex, config, tokens: S, kept });
    if (scores.length !== H * S) {
      throw new RangeError(`press ${scorer.name} returned ${scores.length} scores for layer ${layerIndex}, expected ${H}x${S} (kv heads x tokens)`);
    }
    return { positions: topKPositions(scores, H, S, kept) };
  });
  return { kept, pressKept: press, layers };
}

/**
 * Applies a scorer press to one uncompressed prefill, as kvpress does after each attention
 * layer: score, keep the top `int(S * (1 - ratio))` tokens per head (clamped into the
 * tier budget), gather keys and values. Half-float inputs give a half-float cache.
 */
export function applyScorerPress(outputs: PrefillOutputs, scorer: ScorerPress, options: ApplyScorerPressOptions): KvCache {
  const { config } = options;
  const S = outputs.tokens;
  const H = config.numKvHeads;
  const D = config.headDim;
  if (outputs.layers.length !== config.numLayers) throw new RangeError(`prefill has ${outputs.layers.length} layers, the model config ${config.numLayers}`);
  outputs.layers.forEach((layer, l) => {
    if (layer.key.length !== H * S * D || layer.value.length !== H * S * D) {
      throw new RangeError(`prefill layer ${l} has ${layer.key.length} key / ${layer.value.length} value elements, expected ${H}x${S}x${D} (kv heads x tokens x head dim)`);
    }
  });
  const selection = selectKeptTokens(outputs, scorer, options);
  const k = selection.kept;
  const invFreq = options.rerotateKeys ? ropeInvFreq(config) : undefined;
  const data = outputs.layers.map((layer, l): KvLayer => {
    const { positions } = selection.layers[l];
    let key = gatherRows(layer.key, H, S, D, positions, k);
    if (invFreq) key = rerotateKeptKeys(key, H, k, positions, S, invFreq);
    return { key, value: gatherRows(layer.value, H, S, D, positions, k) };
  });
  return createKvCache({ layers: config.numLayers, kvHeads: H, tokens: k, headDim: D }, data);
}
