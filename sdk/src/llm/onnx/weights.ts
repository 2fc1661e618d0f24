import { encodeTensor, readTensor, type TensorInfo } from '../safetensors.js';
import type { GraphDtype, WeightBinder } from './decoder-graph.js';
import type { GraphBuilder } from './graph-builder.js';

// Weights reach the graph without a second full copy where the dtypes allow: an initializer
// whose checkpoint dtype equals the graph dtype is ONNX external data pointing into the
// safetensors file itself. onnxruntime 1.30 refuses absolute locations and any location
// that resolves (symlinks followed) outside the model's directory, so each shard is
// hard-linked into the graph directory (same inode, no bytes copied). Everything else
// (BF16 weights, F32 weights in an fp16 graph, RoPE tables) is converted once into
// `weights.bin` beside the model.

/** File name of the converted-weights file inside a graph directory. */
export const CONVERTED_WEIGHTS_FILE = 'weights.bin';

/** A checkpoint shard the graph references in place. */
export interface ShardLink {
  /** Absolute path of the .safetensors file. */
  source: string;
  /** Name of its hard link inside the graph directory. */
  linkName: string;
}

/** One tensor to write into weights.bin. */
export interface ConvertedTensor {
  name: string;
  offset: number;
  byteLength: number;
  dtype: GraphDtype;
  /** Checkpoint tensor to read and convert, or values computed by the builder. */
  source: TensorInfo | Float32Array;
}

/** What a built graph needs on disk besides model.onnx. */
export interface WeightPlan {
  links: ShardLink[];
  converted: ConvertedTensor[];
  /** Total bytes of weights.bin. */
  convertedBytes: number;
  /** Bytes referenced in place inside the checkpoint. */
  referencedBytes: number;
}

const NATIVE: Record<GraphDtype, TensorInfo['dtype']> = { float32: 'F32', float16: 'F16' };
// Keeps every converted tensor 64-byte aligned, which the CPU kernels like.
const ALIGN = 64;

/**
 * Collects the initializers of one graph build and decides, per tensor, whether it is
 * referenced in place or converted. `plan` afterwards says what to put on disk.
 */
export class CheckpointWeightBinder {
  readonly plan: WeightPlan = { links: [], converted: [], convertedBytes: 0, referencedBytes: 0 };
  private readonly names = new Map<string, string>();
  private readonly linkOf = new Map<string, string>();

  constructor(
    private readonly tensors: ReadonlyMap<string, TensorInfo>,
    private readonly dtype: GraphDtype,
    /** Reference matching-dtype tensors in place (true) or convert everything (false). */
    private readonly inPlace = true,
  ) {}

  /** The WeightBinder for graph `g`. */
  bind(g: GraphBuilder): WeightBinder {
    const elem = this.dtype === 'float32' ? 4 : 2;
    return {
      weight: (hfName) => {
        const known = this.names.get(hfName);
        if (known) return known;
        const t = this.tensors.get(hfName);
        if (!t) throw new Error(`checkpoint has no tensor ${hfName}`);
        let name: string;
        if (this.inPlace && t.dtype === NATIVE[this.dtype]) {
          name = g.initializer(hfName, { type: this.dtype, dims: t.shape, location: this.link(t.file), offset: t.byteOffset, length: t.byteLength });
          this.plan.referencedBytes += t.byteLength;
        } else {
          const n = t.shape.reduce((a, b) => a * b, 1);
          name = g.initializer(hfName, this.convert(hfName, n * elem, t, t.shape));
        }
        this.names.set(hfName, name);
        return name;
      },
      generated: (name, dims, values) => g.initializer(name, this.convert(name, values.length * elem, values, dims)),
    };
  }

  private convert(name: string, byteLength: number, source: TensorInfo | Float32Array, dims: readonly number[]) {
    const offset = Math.ceil(this.plan.convertedBytes / ALIGN) * ALIGN;
    this.plan.converted.push({ name, offset, byteLength, dtype: this.dtype, source });
    this.plan.convertedBytes = offset + byteLength;
    return { type: this.dtype, dims, location: CONVERTED_WEIGHTS_FILE, offset, length: byteLength };
  }

  private link(file: string): string {
    let name = this.linkOf.get(file);
    if (!name) {
      name = `shard-${this.linkOf.size}.safetensors`;
      this.linkOf.set(file, name);
      this.plan.links.push({ source: file, linkName: name });
    }
    return name;
  }
}

/** Converts one planned tensor to its bytes in the graph dtype. */
export async function convertedBytes(t: ConvertedTensor): Promise<Uint8Array> {
  const values = t.source instanceof Float32Array ? t.source : await readTensor(t.source);
  const bytes = encodeTensor(values, t.dtype === 'float32' ? 'F32' : 'F16');
  if (bytes.byteLength !== t.byteLength) throw new Error(`converted ${t.name}: ${bytes.byteLength} bytes, planned ${t.byteLength}`);
  return bytes;
}
