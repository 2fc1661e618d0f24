import protobuf from 'protobufjs';

// The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto3) that our graph builder
// writes and our tests read back. Field numbers are the wire contract: they must match the
// upstream file exactly; names are ours to keep readable.
const ONNX_PROTO = `
syntax = "proto3";
package onnx;

message StringStringEntryProto { string key = 1; string value = 2; }

message OperatorSetIdProto { string domain = 1; int64 version = 2; }

message TensorShapeProto {
  message Dimension {
    oneof value { int64 dim_value = 1; string dim_param = 2; }
    string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
  string denotation = 6;
}

message ValueInfoProto { string name = 1; TypeProto type = 2; string doc_string = 3; }

message TensorProto {
  enum DataLocation { DEFAULT = 0; EXTERNAL = 1; }
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  string name = 8;
  bytes raw_data = 9;
  string doc_string = 12;
  repeated StringStringEntryProto external_data = 13;
  DataLocation data_location = 14;
}

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
  }
  string name = 1;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  string doc_string = 13;
  AttributeType type = 20;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
  string domain = 7;
}

message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;

/** protobufjs reflection type of `onnx.ModelProto`. */
export const ModelProtoType = root.lookupType('onnx.ModelProto');

/** ONNX `TensorProto.DataType` codes of the element types our graphs use. */
export const OnnxDataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
} as const;

/** Element type names understood by the graph builder. */
export type ElemType = keyof typeof OnnxDataType;

/** `AttributeProto.AttributeType` codes. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** A key/value entry (external data, metadata). */
export interface StringStringEntry {
  key: string;
  value: string;
}

/** Plain-object form of `onnx.TensorProto` as protobufjs encodes it. */
export interface TensorMessage {
  name: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  int64_data?: number[];
  external_data?: StringStringEntry[];
  data_location?: number;
}

/** Plain-object form of `onnx.AttributeProto`. */
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
}

/** Plain-object form of `onnx.NodeProto`. */
export interface NodeMessage {
  name: string;
  op_type: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute: AttributeMessage[];
}

/** Plain-object form of `onnx.ValueInfoProto` (tensor types only). */
export interface ValueInfoMessage {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

/** Plain-object form of `onnx.GraphProto`. */
export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
}

/** Plain-object form of `onnx.ModelProto`. */
export interface ModelMessage {
  ir_version: number;
  producer_name: string;
  producer_version: string;
  graph: GraphMessage;
  opset_import: { domain: string; version: number }[];
  metadata_props?: StringStringEntry[];
}

/** Serialises a model message to ONNX protobuf bytes. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const err = ModelProtoType.verify(model);
  if (err) throw new Error(`invalid ONNX model message: ${err}`);
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}

/** Parses ONNX protobuf bytes back into a plain object (int64 fields as numbers); used by tests and tools. */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const msg = ModelProtoType.decode(bytes);
  return ModelProtoType.toObject(msg, { longs: Number, bytes: Uint8Array, defaults: false, arrays: true }) as ModelMessage;
}
