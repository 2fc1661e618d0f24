import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, silentProgress, systemClock } from '../logger.js';
import type { PluginContext } from '../plugin.js';
import type { TierPolicy } from '../tier.js';

let scratch: string | undefined;

/** One temp parent per test process, removed when the process exits. */
function scratchDir(): string {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'nc-plugin-test-'));
    scratch = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  mkdirSync(scratch, { recursive: true });
  return scratch;
}

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
    cacheDir: overrides.cacheDir ?? mkdtempSync(join(scratchDir(), 'ctx-')),
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

/** A free TCP port on 127.0.0.1, for servers that must be given a port up front (child processes, configs that refuse 0). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Reads a whole request body (stand-ins of cloud APIs in tests). */
export async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Answers with a JSON body and its exact Content-Length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
