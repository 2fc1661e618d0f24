// LLM toolkit: model loading, tokenization, ONNX graph building and sessions, KV utilities.
export {};
