import { open, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fromHalf, toHalf } from '../float16.js';

// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}), then the raw
// little-endian tensor bytes. Offsets in the JSON are relative to the end of the header;
// TensorInfo carries absolute file offsets so an ONNX external-data reference can point
// straight into the checkpoint.

/** Element types a safetensors file may declare (floats are the ones we can read as numbers). */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** The float types the writer produces and `decodeTensor` converts. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

const BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Where one tensor lives: file and absolute byte range. */
export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute path of the .safetensors file. */
  file: string;
  /** Absolute offset of the first byte in the file. */
  byteOffset: number;
  byteLength: number;
}

/** The parsed header of one safetensors file. */
export interface SafetensorsHeader {
  tensors: TensorInfo[];
  metadata: Record<string, string> | null;
  /** Absolute offset where tensor data starts (8 + header length). */
  dataOffset: number;
}

/** Bytes per element of a dtype. */
export function dtypeBytes(dtype: SafetensorsDtype): number {
  return BYTES[dtype];
}

/** Reads and validates the header of a .safetensors file. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (size < 8 || headerLen > size - 8 || headerLen > 100_000_000) {
      throw new Error(`${file}: not a safetensors file (header length ${headerLen}, file size ${size})`);
    }
    const headerBuf = Buffer.alloc(headerLen);
    await fh.read(headerBuf, 0, headerLen, 8);
    return parseHeader(headerBuf.toString('utf8'), file, 8 + headerLen, size);
  } finally {
    await fh.close();
  }
}

function parseHeader(text: string, file: string, dataOffset: number, fileSize: number): SafetensorsHeader {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: safetensors header is not valid JSON (${(e as Error).message})`);
  }
  const tensors: TensorInfo[] = [];
  let metadata: Record<string, string> | null = null;
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (!e.dtype || !(e.dtype in BYTES)) throw new Error(`${file}: tensor ${name} has unsupported dtype ${e.dtype}`);
    const dtype = e.dtype as SafetensorsDtype;
    const shape = e.shape ?? [];
    const [begin, end] = e.data_offsets ?? [NaN, NaN];
    const expected = shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    if (!(end - begin === expected) || begin < 0 || dataOffset + end > fileSize) {
      throw new Error(`${file}: tensor ${name} has data_offsets [${begin}, ${end}] inconsistent with ${dtype}${JSON.stringify(shape)} or the file size`);
    }
    tensors.push({ name, dtype, shape, file, byteOffset: dataOffset + begin, byteLength: end - begin });
  }
  return { tensors, metadata, dataOffset };
}

/** Converts raw little-endian tensor bytes of a float dtype to float32. */
export function decodeTensor(bytes: Uint8Array, dtype: SafetensorsDtype, name = 'tensor'): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / BYTES[dtype];
  const out = new Float32Array(n);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = fromHalf(view.getUint16(i * 2, true));
      return out;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    default:
      throw new Error(`${name}: dtype ${dtype} cannot be read as floats (expected F32, F16 or BF16)`);
  }
}

/** Reads one tensor as float32, converting F16/BF16. */
export async function readTensor(info: TensorInfo): Promise<Float32Array> {
  const fh = await open(info.file, 'r');
  try {
    const buf = Buffer.alloc(info.byteLength);
    await fh.read(buf, 0, info.byteLength, info.byteOffset);
    return decodeTensor(buf, info.dtype, info.name);
  } finally {
    await fh.close();
  }
}

/** A tensor to write: float32 values stored as `dtype`. */
export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
  dtype?: FloatDtype;
}

/** Encodes float32 values as little-endian bytes of `dtype` (BF16 rounds to nearest even, as torch). */
export function encodeTensor(data: Float32Array, dtype: FloatDtype): Uint8Array {
  const out = new Uint8Array(data.length * BYTES[dtype]);
  const view = new DataView(out.buffer);
  if (dtype === 'F32') {
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  } else if (dtype === 'F16') {
    for (let i = 0; i < data.length; i++) view.setUint16(i * 2, toHalf(data[i]), true);
  } else {
    const u32 = new Uint32Array(data.buffer, data.byteOffset, data.length);
    for (let i = 0; i < data.length; i++) {
      const x = u32[i];
      const isNaN = (x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0;
      const rounded = isNaN ? (x >>> 16) | 0x40 : (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
      view.setUint16(i * 2, rounded & 0xffff, true);
    }
  }
  return out;
}

/** Writes one .safetensors file; the header is padded with spaces to an 8-byte boundary as the reference writer does. */
export async function writeSafetensors(file: string, tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Promise<void> {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new RangeError(`${t.name}: shape ${JSON.stringify(t.shape)} needs ${n} values, got ${t.data.length}`);
    const dtype = t.dtype ?? 'F32';
    const bytes = encodeTensor(t.data, dtype);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  await writeFile(file, Buffer.concat([len, Buffer.from(json, 'utf8'), ...blobs]));
}

/** File name of the index of a sharded checkpoint. */
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';

/**
 * Reads every tensor header of a checkpoint directory: `model.safetensors`, or the shards
 * named in `model.safetensors.index.json`'s weight_map.
 */
export async function readSafetensorsDir(checkpointDir: string): Promise<Map<string, TensorInfo>> {
  const dir = resolve(checkpointDir);
  const tensors = new Map<string, TensorInfo>();
  let files: string[];
  let weightMap: Record<string, string> | undefined;
  try {
    const index = JSON.parse(await readFile(join(dir, SAFETENSORS_INDEX), 'utf8')) as { weight_map?: Record<string, string> };
    if (!index.weight_map) throw new Error(`${join(dir, SAFETENSORS_INDEX)}: missing weight_map`);
    weightMap = index.weight_map;
    files = [...new Set(Object.values(weightMap))];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    files = ['model.safetensors'];
  }
  for (const f of files) {
    const path = join(dir, f);
    const header = await readSafetensorsHeader(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        throw new Error(`${dir}: no ${weightMap ? `shard ${f} (listed in ${SAFETENSORS_INDEX})` : 'model.safetensors or model.safetensors.index.json'}`);
      }
      throw e;
    });
    for (const t of header.tensors) tensors.set(t.name, t);
  }
  if (weightMap) {
    for (const [name, file] of Object.entries(weightMap)) {
      const t = tensors.get(name);
      if (!t || basename(t.file) !== file || dirname(t.file) !== dir) {
        throw new Error(`${join(dir, SAFETENSORS_INDEX)}: weight_map says ${name} is in ${file}, but that shard does not hold it`);
      }
    }
  }
  return tensors;
}
