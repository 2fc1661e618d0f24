/**
 * A KV cache of a decoder model as the validator loads it: for each layer a key and a
 * value tensor of shape [kvHeads, tokens, headDim] (C order). Keys are post-RoPE, as
 * transformers caches them. Every layer and head holds the same number of tokens.
 *
 * Data is float32 (`Float32Array`) or IEEE half floats as raw bits (`Uint16Array`), the
 * form onnxruntime returns fp16 outputs in.
 */
export type KvData = Float32Array | Uint16Array;

export interface KvShape {
  layers: number;
  kvHeads: number;
  tokens: number;
  headDim: number;
}

export interface KvLayer {
  key: KvData;
  value: KvData;
}

export interface KvCache extends KvShape {
  /** One entry per layer, in layer order. */
  readonly data: readonly KvLayer[];
}

/** Elements in one key (or value) tensor of a layer. */
export function layerElements(shape: KvShape): number {
  return shape.kvHeads * shape.tokens * shape.headDim;
}

/**
 * Builds a KvCache after checking every tensor has the size the shape implies, so a
 * malformed cache fails here rather than as a corrupt file at the validator.
 */
export function createKvCache(shape: KvShape, data: readonly KvLayer[]): KvCache {
  const { layers, kvHeads, tokens, headDim } = shape;
  for (const [k, v] of Object.entries({ layers, kvHeads, tokens, headDim })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`KvCache.${k} must be a non-negative integer, got ${v}`);
  }
  if (data.length !== shape.layers) throw new RangeError(`KvCache has ${data.length} layers of data, shape says ${shape.layers}`);
  const n = layerElements(shape);
  data.forEach((layer, i) => {
    for (const part of ['key', 'value'] as const) {
      if (layer[part].length !== n) {
        throw new RangeError(`KvCache layer ${i} ${part} has ${layer[part].length} elements, expected ${n} (${shape.kvHeads}x${shape.tokens}x${shape.headDim})`);
      }
    }
  });
  return { layers, kvHeads, tokens, headDim, data };
}
