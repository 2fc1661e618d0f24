export { DevnetServer, type DevnetServerOptions } from './devnet-server.js';
export { ChainState, RpcError, type ChainStateOptions, type NeuronSpec, type ServedAxon, type AppliedExtrinsic } from './chain-state.js';
export { loadRuntimeBlob, type ChainShape, type RuntimeBlob } from './metadata-blobs.js';
