/**
 * @neural-condense/sdk: the public contract between the Neural Condense core and its
 * plugins. Algorithm and storage plugins depend on this package only.
 */
export { PLUGIN_API_VERSION, SDK_VERSION } from './api-version.js';
export * from './errors.js';
export * from './logger.js';
export * from './kv-cache.js';
export * from './tier.js';
export * from './compressor.js';
export * from './artifact-store.js';
export * from './store-helpers.js';
export * from './tokens.js';
export * from './plugin.js';
export * from './float16.js';
export * from './npy/index.js';
export * from './press/index.js';
