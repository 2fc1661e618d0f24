import { definePlugin, PLUGIN_API_VERSION } from '@neural-condense/sdk';
import { KvpressCompressor } from './kvpress-compressor.js';
import { kvpressOptions } from './options.js';

export * from './presses/index.js';
export { KvpressCompressor, type KvpressContext } from './kvpress-compressor.js';
export { kvpressOptions, servedModels, MISTRAL_TARGET_MODELS, type KvpressOptions } from './options.js';

/** KV-cache pruning presses (kvpress) as a Neural Condense compressor. */
export default definePlugin({
  name: '@neural-condense/kvpress',
  version: '0.1.0',
  kind: 'compressor',
  apiVersion: PLUGIN_API_VERSION,
  options: kvpressOptions,
  create: (options, ctx) => new KvpressCompressor(options, { logger: ctx.logger, progress: ctx.progress, cacheDir: ctx.cacheDir }),
});
