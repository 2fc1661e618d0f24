import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@neural-condense/sdk';
import type { LoadedConfig } from '../config/index.js';
import { createRuntime, type Runtime } from '../container.js';
import { createBackendApp } from './app.js';
import type { CondenseAccess } from './routes/condense.js';
import { InFlightTracker } from './middleware/in-flight.js';

export interface RunningBackend {
  /** Where this process listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The URL artifacts are published under (backend.publicUrl or `url`). */
  publicUrl: string;
  runtime: Runtime;
  server: Server;
  /** Graceful: stop accepting, let in-flight requests finish (up to the grace period), release plugins. */
  close(): Promise<void>;
}

/**
 * Listens first (so an ephemeral port is known before the local store needs its URL),
 * then builds the runtime; until it is ready /condense answers 503 and /health "starting".
 */
export interface StartBackendOptions {
  /** Who may call POST /condense; the miner passes `loopbackOnly`. */
  condenseAccess?: CondenseAccess;
}

export async function startBackend(loaded: LoadedConfig, logger: Logger, options: StartBackendOptions = {}): Promise<RunningBackend> {
  const { backend } = loaded.config;
  let runtime: Runtime | undefined;
  const inFlight = new InFlightTracker();
  const app = createBackendApp({
    logger,
    inFlight,
    condenseAccess: options.condenseAccess,
    maxBodyBytes: backend.maxBodyBytes,
    runtime: () =>
      runtime && {
        condense: runtime.condense,
        store: runtime.store,
        health: { tier: loaded.tier, compressor: runtime.compressor.name, store: runtime.store.name, models: runtime.compressor.supportedModels },
      },
  });
  const server = createServer(app.callback());
  server.requestTimeout = 0; // deadlines are enforced per request by the pipeline
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(backend.port, backend.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const localHost = backend.host === '0.0.0.0' || backend.host === '::' ? '127.0.0.1' : backend.host;
  const url = `http://${localHost.includes(':') ? `[${localHost}]` : localHost}:${port}`;
  const publicUrl = (backend.publicUrl ?? url).replace(/\/+$/, '');
  if (!backend.publicUrl && loaded.config.store.plugin === '@neural-condense/storage-local') {
    logger.warn({ url }, 'backend.publicUrl is not set: local-store URLs point at this machine\'s loopback address, which validators cannot reach');
  }
  try {
    runtime = await createRuntime(loaded, { logger, hostUrl: publicUrl });
  } catch (err) {
    await new Promise((r) => server.close(r));
    throw err;
  }
  logger.info({ url, publicUrl, tier: loaded.tier.name }, 'backend listening');

  let closing: Promise<void> | undefined;
  const rt = runtime;
  return {
    url,
    publicUrl,
    runtime: rt,
    server,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), backend.shutdownGraceMs);
        grace.unref();
        await inFlight.drain();
        await rt.close();
        server.closeAllConnections();
        await closed;
        clearTimeout(grace);
      })()),
  };
}
