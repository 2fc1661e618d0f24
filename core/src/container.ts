import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import {
  Tokens,
  systemClock,
  type ArtifactStore,
  type Clock,
  type Compressor,
  type Logger,
  type PluginContext,
  type ProgressReporter,
  type TierPolicy,
} from '@neural-condense/sdk';
import type { LoadedConfig } from './config/index.js';
import { loadPlugin } from './plugins/load-plugin.js';
import { CondensePipeline } from './pipeline/condense-pipeline.js';
import { JobQueue } from './pipeline/job-queue.js';
import type { CondenseService } from './pipeline/types.js';
import { createProgressReporter } from './progress.js';
import { startTtlGc } from './store/ttl-gc.js';
import { queueDepth } from './metrics.js';

/** Loads the configured store plugin and creates the store (not yet initialised). */
export async function createStore(loaded: LoadedConfig, options: RuntimeOptions): Promise<ArtifactStore> {
  const ref = await loadPlugin(loaded.config.store.plugin, 'store', loaded.config.store.options, {
    baseDir: loaded.baseDir,
    source: loaded.source,
    configPath: 'store',
  });
  return ref.plugin.create(ref.options, pluginServices(loaded, options).context(ref.plugin.name));
}

/** The backend's own URL when no server runs yet (one-shot commands): `backend.publicUrl`, else loopback. */
export function configuredHostUrl(loaded: LoadedConfig): string {
  return loaded.config.backend.publicUrl ?? `http://127.0.0.1:${loaded.config.backend.port}`;
}

/** The services a plugin's `create` receives, for one config; `context(name)` adds a named logger. */
function pluginServices(loaded: LoadedConfig, options: RuntimeOptions) {
  const { tier } = loaded;
  const clock = options.clock ?? systemClock;
  const progress = options.progress ?? createProgressReporter(options.logger);
  const tierPolicy: TierPolicy = { tier, budget: () => ({ min: tier.minCondensedTokens, max: tier.maxCondensedTokens }) };
  const context = (name: string): PluginContext => ({
    logger: options.logger.child({ plugin: name }),
    clock,
    progress,
    tierPolicy,
    cacheDir: loaded.cacheDir,
    hostUrl: options.hostUrl,
  });
  return { clock, progress, tierPolicy, context };
}

/** Token for the request pipeline (core-only; plugins never see it). */
export const CondenseServiceToken = Symbol.for('neural-condense.CondenseService');

export interface RuntimeOptions {
  logger: Logger;
  /** Base URL of this process's HTTP server, for stores it serves (local). */
  hostUrl: string;
  clock?: Clock;
  progress?: ProgressReporter;
  /** Use this store instead of the configured one (`condense compress --out`). */
  store?: ArtifactStore;
}

/** Everything one miner process runs on, wired once. */
export interface Runtime {
  readonly container: DependencyContainer;
  readonly loaded: LoadedConfig;
  readonly compressor: Compressor;
  readonly store: ArtifactStore;
  readonly condense: CondenseService;
  readonly logger: Logger;
  /** Stops accepting work, waits for in-flight requests, releases plugins. */
  close(): Promise<void>;
}

/**
 * The composition root: loads the configured plugins, registers every service under its
 * contract token, initialises store and compressor, and starts TTL cleanup.
 */
export async function createRuntime(loaded: LoadedConfig, options: RuntimeOptions): Promise<Runtime> {
  const { config, tier } = loaded;
  const logger = options.logger;
  const services = pluginServices(loaded, { ...options, progress: options.progress ?? createProgressReporter(logger) });
  const { clock, progress, tierPolicy, context } = services;
  const container = rootContainer.createChildContainer();
  container.register(Tokens.Logger, { useValue: logger });
  container.register(Tokens.Clock, { useValue: clock });
  container.register(Tokens.Progress, { useValue: progress });
  container.register(Tokens.TierPolicy, { useValue: tierPolicy });

  await mkdir(loaded.cacheDir, { recursive: true });
  const where = { baseDir: loaded.baseDir, source: loaded.source };

  const compressorRef = await loadPlugin(config.compressor.plugin, 'compressor', config.compressor.options, { ...where, configPath: 'compressor' });
  const store = options.store ?? (await createStore(loaded, { ...options, clock, progress }));
  await store.init?.();
  const compressor = await compressorRef.plugin.create(compressorRef.options, context(compressorRef.plugin.name));
  logger.info({ compressor: compressor.name, store: store.name, tier: tier.name }, 'initialising plugins');
  await compressor.init?.();
  container.register(Tokens.ArtifactStore, { useValue: store });
  container.register(Tokens.Compressor, { useValue: compressor });

  const queue = new JobQueue(config.backend.maxQueue, (depth) => queueDepth.set(depth));
  const condense = new CondensePipeline({
    compressor: container.resolve<Compressor>(Tokens.Compressor),
    store: container.resolve<ArtifactStore>(Tokens.ArtifactStore),
    tier: container.resolve<TierPolicy>(Tokens.TierPolicy).tier,
    queue,
    clock,
    logger,
    dtype: config.artifacts.dtype,
  });
  container.register(CondenseServiceToken, { useValue: condense });

  const stopGc =
    config.artifacts.gcIntervalSeconds > 0
      ? startTtlGc(store, config.artifacts.ttlSeconds * 1000, config.artifacts.gcIntervalSeconds * 1000, clock, logger)
      : () => {};

  let closing: Promise<void> | undefined;
  return {
    container,
    loaded,
    compressor,
    store,
    condense,
    logger,
    close: () =>
      (closing ??= (async () => {
        stopGc();
        await condense.close();
        await compressor.close?.();
        await store.close?.();
        container.clearInstances();
      })()),
  };
}
