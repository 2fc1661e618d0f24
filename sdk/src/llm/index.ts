// LLM toolkit: model loading, tokenization, ONNX graph building and sessions, KV utilities.
export * from './types.js';
export { parseDecoderConfig } from './config.js';
export * from './safetensors.js';
export * from './checkpoint.js';
export * from './rope.js';
export * from './average-rotation.js';
export * from './seeded-random.js';
export * from './test-model.js';
export * from './reference-forward.js';
export * from './tokenizer.js';
export * from './onnx/index.js';
export * from './cache-dirs.js';
export * from './builtin-model.js';
export * from './model-resolver.js';
export * from './hub-download.js';
export * from './cached-models.js';
