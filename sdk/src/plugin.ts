import { z } from 'zod';
import type { ArtifactStore } from './artifact-store.js';
import type { Compressor } from './compressor.js';
import type { Clock, Logger, ProgressReporter } from './logger.js';
import type { TierPolicy } from './tier.js';

/** Services core hands a plugin's `create`. */
export interface PluginContext {
  logger: Logger;
  clock: Clock;
  progress: ProgressReporter;
  tierPolicy: TierPolicy;
  /** Directory for caches (models, built graphs); shared by plugins, created by core. */
  cacheDir: string;
  /** Base URL of the miner's own HTTP server (the backend), e.g. `http://127.0.0.1:8080`. */
  hostUrl: string;
}

interface PluginBase<Schema extends z.ZodType> {
  /** npm package name (or a unique name for local plugins). */
  name: string;
  /** The plugin's own version, for logs. */
  version?: string;
  /** The SDK plugin API version it was built for (`PLUGIN_API_VERSION` when it was built). */
  apiVersion: number;
  /** Options schema; core validates `options` from config against it at start-up. */
  options: Schema;
}

export interface CompressorPlugin<Schema extends z.ZodType = z.ZodType> extends PluginBase<Schema> {
  kind: 'compressor';
  create(options: z.output<Schema>, context: PluginContext): Compressor | Promise<Compressor>;
}

export interface StorePlugin<Schema extends z.ZodType = z.ZodType> extends PluginBase<Schema> {
  kind: 'store';
  create(options: z.output<Schema>, context: PluginContext): ArtifactStore | Promise<ArtifactStore>;
}

export type Plugin = CompressorPlugin | StorePlugin;

/** Marks a plugin definition so core can tell it from any other default export. */
export const PLUGIN_MARKER = Symbol.for('neural-condense.plugin');

/**
 * The one way to declare a plugin. Export the result as the package's default export:
 *
 * ```ts
 * export default definePlugin({
 *   name: '@acme/my-press', kind: 'compressor', apiVersion: PLUGIN_API_VERSION,
 *   options: z.object({ ratio: z.number().min(0).max(1) }),
 *   create: (options, ctx) => new MyCompressor(options, ctx),
 * });
 * ```
 */
export function definePlugin<S extends z.ZodType>(plugin: CompressorPlugin<S>): CompressorPlugin<S>;
export function definePlugin<S extends z.ZodType>(plugin: StorePlugin<S>): StorePlugin<S>;
export function definePlugin(plugin: Plugin): Plugin {
  Object.defineProperty(plugin, PLUGIN_MARKER, { value: true, enumerable: false });
  return plugin;
}

/** True when `value` was made by `definePlugin` (of any SDK copy). */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_MARKER] === true;
}

export { z };
