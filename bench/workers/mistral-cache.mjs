// A Mistral-7B-shaped KV cache (32 layers, 8 KV heads, head_dim 128) of random finite
// values, shared by the benchmark workers.
import { createKvCache } from '../../sdk/dist/index.js';

/** `dtype` 'float16' gives half bits as a GPU session returns them; 'float32' plain floats. */
export function mistralShapedCache(tokens, dtype = 'float16', seed = 12345) {
  const shape = { layers: 32, kvHeads: 8, tokens, headDim: 128 };
  const n = shape.kvHeads * tokens * shape.headDim;
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) & 0x7fffffff);
  const make = () => {
    if (dtype === 'float16') {
      const a = new Uint16Array(n);
      for (let i = 0; i < n; i++) a[i] = 0x3000 + (next() & 0x0fff); // finite halves
      return a;
    }
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (next() / 0x7fffffff) * 2 - 1;
    return a;
  };
  const data = Array.from({ length: shape.layers }, () => ({ key: make(), value: make() }));
  return { cache: createKvCache(shape, data), cacheBytes: data.reduce((s, l) => s + l.key.byteLength + l.value.byteLength, 0) };
}
