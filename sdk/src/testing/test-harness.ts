import { mkdtempSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, silentProgress, systemClock } from '../logger.js';
import type { PluginContext } from '../plugin.js';
import type { TierPolicy } from '../tier.js';

/**
 * A PluginContext for creating a plugin in tests: silent logs, the system clock, a fresh
 * temp cache dir. Stores never read the tier policy; pass one in `overrides` if yours does.
 */
export function createTestPluginContext(overrides: Partial<PluginContext> = {}): PluginContext {
  return {
    logger: silentLogger,
    clock: systemClock,
    progress: silentProgress,
    tierPolicy: {} as TierPolicy,
    hostUrl: 'http://127.0.0.1:9',
    ...overrides,
    cacheDir: overrides.cacheDir ?? mkdtempSync(join(tmpdir(), 'nc-plugin-test-')),
  };
}

/** An HTTP server listening on 127.0.0.1 and a free port. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  server: Server;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 and a free port, or `port` (to bring a stopped stand-in back). */
export async function startLoopbackServer(handler: RequestListener, port = 0): Promise<LoopbackServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    server,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
