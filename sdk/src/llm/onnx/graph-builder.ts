import {
  AttributeType,
  encodeModel,
  OnnxDataType,
  type AttributeMessage,
  type ElemType,
  type NodeMessage,
  type TensorMessage,
  type ValueInfoMessage,
} from './proto.js';
import { toHalf } from '../../float16.js';

/** A dimension: a fixed size or a symbolic name such as `sequence`. */
export type Dim = number | string;

/** Attribute values: integers become INT, other numbers FLOAT, arrays INTS, strings STRING; wrap with `float()`/`floats()` to force floats. */
export type AttrValue = number | string | readonly number[] | FloatAttr | FloatsAttr | TensorAttr;

/** A FLOAT attribute whose value happens to be an integer (e.g. `alpha: float(1)`). */
export interface FloatAttr {
  readonly kind: 'float';
  readonly value: number;
}
/** A FLOATS attribute. */
export interface FloatsAttr {
  readonly kind: 'floats';
  readonly value: readonly number[];
}
/** A TENSOR attribute (e.g. ConstantOfShape's value). */
export interface TensorAttr {
  readonly kind: 'tensor';
  readonly value: InlineTensor;
}

/** Forces a FLOAT attribute. */
export const float = (value: number): FloatAttr => ({ kind: 'float', value });
/** Forces a FLOATS attribute. */
export const floats = (value: readonly number[]): FloatsAttr => ({ kind: 'floats', value });
/** A TENSOR attribute. */
export const tensorAttr = (value: InlineTensor): TensorAttr => ({ kind: 'tensor', value });

/** Tensor bytes stored in the model file itself (small constants). */
export interface InlineTensor {
  type: ElemType;
  dims: readonly number[];
  /** Raw little-endian element bytes. */
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;
}

/** Tensor bytes stored outside the model file: `location` is relative to the model file's directory. */
export interface ExternalTensor {
  type: ElemType;
  dims: readonly number[];
  location: string;
  offset: number;
  length: number;
}

/** Options of one node. */
export interface NodeOptions {
  /** Operator domain, e.g. `com.microsoft`; default the ONNX domain. */
  domain?: string;
  /** Number of outputs (names generated) or explicit output names; default 1 generated name. */
  outputs?: number | readonly string[];
  /** Node name; default generated from the scope and op type. */
  name?: string;
}

const BYTES_PER_ELEMENT: Record<ElemType, number> = {
  float32: 4, uint8: 1, int8: 1, int32: 4, int64: 8, bool: 1, float16: 2, float64: 8, bfloat16: 2,
};

/** Bytes one element of `type` occupies. */
export function bytesPerElement(type: ElemType): number {
  return BYTES_PER_ELEMENT[type];
}

/**
 * Builds one ONNX graph node by node so that graph code reads like the model:
 * `const h = g.op('MatMul', [x, w])`. Value names are generated under the current scope
 * (`layers.3/attn/MatMul_12`), which keeps error messages from onnxruntime readable.
 */
export class GraphBuilder {
  private readonly nodes: NodeMessage[] = [];
  private readonly initializers: TensorMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, string>();
  private readonly scopes: string[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  /** Runs `body` with names prefixed by `scope` (nested scopes join with '/'). */
  scope<T>(scope: string, body: () => T): T {
    this.scopes.push(scope);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /** Declares a graph input and returns its name. */
  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` as a graph output named `name` (an Identity is inserted when the names differ). */
  output(value: string, name: string, type: ElemType, dims: readonly Dim[]): string {
    if (value !== name) this.op('Identity', [value], {}, { outputs: [name] });
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Adds an initializer (weights or constant) and returns its name. */
  initializer(name: string, tensor: InlineTensor | ExternalTensor): string {
    this.claim(name);
    const expected = tensor.dims.reduce((a, b) => a * b, 1) * bytesPerElement(tensor.type);
    const base = { name, dims: [...tensor.dims], data_type: OnnxDataType[tensor.type] };
    if ('location' in tensor) {
      if (tensor.length !== expected) {
        throw new Error(`initializer ${name}: external length ${tensor.length} bytes, but ${tensor.type}[${tensor.dims.join(',')}] needs ${expected}`);
      }
      this.initializers.push({
        ...base,
        data_location: 1,
        external_data: [
          { key: 'location', value: tensor.location },
          { key: 'offset', value: String(tensor.offset) },
          { key: 'length', value: String(tensor.length) },
        ],
      });
    } else {
      if (tensor.data.byteLength !== expected) {
        throw new Error(`initializer ${name}: ${tensor.data.byteLength} bytes of data, but ${tensor.type}[${tensor.dims.join(',')}] needs ${expected}`);
      }
      this.initializers.push({ ...base, raw_data: rawBytes(tensor.data) });
    }
    return name;
  }

  /** A small int64 constant (shapes, axes, indices), shared between uses. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('int64', values, dims, () => BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  /** A scalar int64 constant. */
  int64Scalar(value: number): string {
    return this.constant('int64', [value], [], () => BigInt64Array.of(BigInt(value)));
  }

  /** A float constant of `type` (float32 or float16), scalar unless dims are given. */
  scalar(type: 'float32' | 'float16', value: number, dims: readonly number[] = []): string {
    return this.constant(type, [value], dims, () => {
      const f = Float32Array.of(value);
      return type === 'float32' ? f : Uint16Array.of(toHalf(value));
    });
  }

  /** Adds a node; returns its single output name, or all names when `outputs` asks for several. */
  op(opType: string, inputs: readonly string[], attrs?: Record<string, AttrValue>, options?: NodeOptions & { outputs?: 1 }): string;
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue>, options: NodeOptions): string[];
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, options: NodeOptions = {}): string | string[] {
    const nodeName = options.name ?? this.fresh(opType);
    const spec = options.outputs ?? 1;
    const outNames = typeof spec === 'number'
      ? Array.from({ length: spec }, (_, i) => (spec === 1 ? nodeName : `${nodeName}:${i}`))
      : [...spec];
    for (const o of outNames) if (o !== '') this.claim(o);
    this.nodes.push({
      name: nodeName,
      op_type: opType,
      domain: options.domain ?? '',
      input: [...inputs],
      output: outNames,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return typeof spec === 'number' && spec === 1 ? outNames[0] : outNames;
  }

  /** Serialises the graph as an ONNX model with the given operator sets. */
  toBytes(opsets: Record<string, number>, metadata: Record<string, string> = {}): Uint8Array {
    return encodeModel({
      // IR 9 = ONNX 1.14+, the level opset 18 needs; onnxruntime 1.30 reads up to IR 11.
      ir_version: 9,
      producer_name: 'neural-condense',
      producer_version: '1',
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      opset_import: Object.entries(opsets).map(([domain, version]) => ({ domain, version })),
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
  }

  /** Number of nodes so far (for tests and logs). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  private constant(type: ElemType, values: readonly number[], dims: readonly number[], data: () => InlineTensor['data']): string {
    const key = `${type}[${dims.join(',')}]:${values.join(',')}`;
    let name = this.constCache.get(key);
    if (!name) {
      name = `const/${type}_${this.constCache.size}`;
      this.initializer(name, { type, dims, data: data() });
      this.constCache.set(key, name);
    }
    return name;
  }

  private fresh(opType: string): string {
    const prefix = this.scopes.length ? `${this.scopes.join('/')}/` : '';
    return `${prefix}${opType}_${this.counter++}`;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: value name '${name}' is defined twice`);
    this.names.add(name);
  }
}

function valueInfo(name: string, type: ElemType, dims: readonly Dim[]): ValueInfoMessage {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: OnnxDataType[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): AttributeMessage {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v };
  }
  if (isArray(v)) return { name, type: AttributeType.INTS, ints: [...v] };
  switch (v.kind) {
    case 'float':
      return { name, type: AttributeType.FLOAT, f: v.value };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...v.value] };
    case 'tensor':
      return {
        name,
        type: AttributeType.TENSOR,
        t: { name: '', dims: [...v.value.dims], data_type: OnnxDataType[v.value.type], raw_data: rawBytes(v.value.data) },
      };
  }
}

function isArray(v: AttrValue): v is readonly number[] {
  return Array.isArray(v);
}

function rawBytes(data: InlineTensor['data']): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
