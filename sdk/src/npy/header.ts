// NumPy .npy format, version 1.0: magic, version, uint16 LE header length, then a Python
// dict literal padded with spaces and a newline so the data starts 64-byte aligned.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

export type NpyDescr = '<f2' | '<f4';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const PREAMBLE = MAGIC.length + 2 + 2;

export function bytesPerElement(descr: NpyDescr): number {
  return descr === '<f2' ? 2 : 4;
}

/** Encodes a v1.0 header for a C-order array. */
export function encodeNpyHeader(descr: NpyDescr, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = PREAMBLE + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const headerLen = total - PREAMBLE;
  if (headerLen > 0xffff) throw new RangeError('npy header too long for format 1.0');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  const text = dict + ' '.repeat(total - unpadded) + '\n';
  for (let i = 0; i < text.length; i++) out[PREAMBLE + i] = text.charCodeAt(i);
  return out;
}

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the first data byte. */
  dataOffset: number;
}

/** Parses a .npy header (versions 1.0, 2.0 and 3.0). Throws on anything malformed. */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < PREAMBLE || !MAGIC.every((b, i) => bytes[i] === b)) throw new Error('not a .npy file (bad magic)');
  const major = bytes[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLen = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
    start = 12;
  } else {
    throw new Error(`unsupported .npy version ${major}`);
  }
  if (bytes.length < start + headerLen) throw new Error('truncated .npy header');
  const text = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`malformed .npy header: ${text.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number.parseInt(s, 10));
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLen };
}
