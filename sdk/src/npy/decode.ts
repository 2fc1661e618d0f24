import { halfToFloat32 } from '../float16.js';
import { parseNpyHeader } from './header.js';

export interface DecodedNpy {
  descr: string;
  shape: number[];
  /** Values as float32 (converted from float16 when needed). */
  data: Float32Array;
}

/** Decodes a little-endian float16/float32 C-order .npy file. For tests and self-checks. */
export function decodeNpy(bytes: Uint8Array): DecodedNpy {
  const header = parseNpyHeader(bytes);
  if (header.fortranOrder) throw new Error('fortran-order .npy not supported');
  const count = header.shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(header.dataOffset);
  // A real copy at offset 0, so typed-array views are aligned. (Buffer#slice would be a view.)
  const copy = new Uint8Array(body);
  let data: Float32Array;
  if (header.descr === '<f4') {
    if (copy.byteLength !== count * 4) throw new Error(`.npy body has ${copy.byteLength} bytes, expected ${count * 4}`);
    data = new Float32Array(copy.buffer, 0, count);
  } else if (header.descr === '<f2') {
    if (copy.byteLength !== count * 2) throw new Error(`.npy body has ${copy.byteLength} bytes, expected ${count * 2}`);
    data = halfToFloat32(new Uint16Array(copy.buffer, 0, count));
  } else {
    throw new Error(`unsupported dtype ${header.descr}`);
  }
  return { descr: header.descr, shape: header.shape, data };
}
