// ONNX graph building and onnxruntime-node sessions for prefill engines.
export { createOnnxPrefillEngine, type OnnxPrefillEngine, type OnnxPrefillEngineOptions } from './onnx-engine.js';
export {
  buildDecoderGraph,
  prefillNames,
  DECODER_GRAPH_VERSION,
  type AttentionKind,
  type DecoderGraphOptions,
  type GraphDtype,
  type WeightBinder,
} from './decoder-graph.js';
export { expectedRotationFeed } from './score-extras.js';
export { buildScoreExtrasGraph, scoreExtrasNames } from './score-extras-graph.js';
export { GraphBuilder, float, floats, tensorAttr, bytesPerElement, type Dim, type AttrValue, type InlineTensor, type ExternalTensor, type NodeOptions } from './graph-builder.js';
export { encodeModel, decodeModel, OnnxDataType, type ElemType, type ModelMessage } from './proto.js';
export { ensureCachedGraph, graphCacheKey, fileFingerprints, MODEL_FILE, type CachedGraph, type GraphBuild } from './graph-cache.js';
export { CheckpointWeightBinder, CONVERTED_WEIGHTS_FILE, type WeightPlan } from './weights.js';
export {
  EXECUTION_PROVIDERS,
  ExecutionProviderError,
  onnxruntimeVersion,
  probeProvider,
  requireProvider,
  smokeTestOp,
  smokeTestOps,
  SMOKE_OPS,
  type ExecutionProvider,
  type OpSmokeResult,
  type ProviderStatus,
} from './providers.js';
export { openSession, type OrtSession } from './session.js';
