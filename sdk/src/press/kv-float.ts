import { fromHalf } from '../float16.js';
import type { KvData } from '../kv-cache.js';

// Scorers read float32, GPU sessions return half-float bits. A 64 Ki-entry table converts
// each value with one load: a Mistral-7B cache of 4k tokens is 268 M values.
let table: Float32Array | undefined;

function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = fromHalf(h);
  }
  return table;
}

/** A float32 copy of half-float bits (or `data` itself when it is float32 already). */
export function kvAsFloat32(data: KvData): Float32Array {
  if (data instanceof Float32Array) return data;
  const t = halfTable();
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = t[data[i]];
  return out;
}
