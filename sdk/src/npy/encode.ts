import { endianness } from 'node:os';
import { float32ToHalf, halfToFloat32 } from '../float16.js';
import type { KvCache, KvData } from '../kv-cache.js';
import { bytesPerElement, encodeNpyHeader, type NpyDescr } from './header.js';

export type NpyDtype = 'float16' | 'float32';

/** A .npy file ready to stream: its exact size is known before the first byte. */
export interface NpyStream {
  size: number;
  shape: number[];
  descr: NpyDescr;
  /** Header, then each layer's keys and values. Yields views, never the whole file. */
  chunks(): AsyncGenerator<Uint8Array>;
}

/** The .npy shape the validator loads: (layers, 2, 1, kv_heads, tokens, head_dim). */
export function kvNpyShape(cache: Pick<KvCache, 'layers' | 'kvHeads' | 'tokens' | 'headDim'>): number[] {
  return [cache.layers, 2, 1, cache.kvHeads, cache.tokens, cache.headDim];
}

/**
 * Encodes a KV cache as a .npy stream. Memory stays at one layer tensor beyond the cache
 * itself: tensors already in the requested dtype are yielded as views, others are
 * converted one tensor at a time.
 */
export function encodeKvCacheNpy(cache: KvCache, dtype: NpyDtype = 'float16'): NpyStream {
  if (endianness() !== 'LE') throw new Error('the .npy writer assumes a little-endian host');
  const descr: NpyDescr = dtype === 'float16' ? '<f2' : '<f4';
  const shape = kvNpyShape(cache);
  const header = encodeNpyHeader(descr, shape);
  const elements = shape.reduce((a, b) => a * b, 1);
  const size = header.length + elements * bytesPerElement(descr);
  return {
    size,
    shape,
    descr,
    async *chunks() {
      yield header;
      for (const layer of cache.data) {
        yield asBytes(layer.key, dtype);
        yield asBytes(layer.value, dtype);
      }
    },
  };
}

function asBytes(data: KvData, dtype: NpyDtype): Uint8Array {
  let typed: Float32Array | Uint16Array;
  if (dtype === 'float16') typed = data instanceof Uint16Array ? data : float32ToHalf(data);
  else typed = data instanceof Float32Array ? data : halfToFloat32(data);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** Collects a stream into one buffer (tests, small files). */
export async function collectBytes(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const p of source) {
    parts.push(p);
    total += p.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
