import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { silentLogger, type Logger } from '@neural-condense/sdk';
import { loadConfig } from '../../src/config/index.js';
import { startBackend, type RunningBackend } from '../../src/backend/server.js';

/** Path of the test-only compressor plugin, for configs. */
export const TEST_COMPRESSOR = fileURLToPath(new URL('./test-compressor.ts', import.meta.url));

export interface TestBackend extends RunningBackend {
  /** Temp dir holding the config, the cache dir and local artifacts. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * Starts the real backend on 127.0.0.1 (ephemeral port) from a config written to a temp
 * file. Defaults: the test compressor, the local store, the research tier.
 */
export async function startTestBackend(config: Record<string, unknown> = {}, logger: Logger = silentLogger): Promise<TestBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'nc-backend-'));
  const file = join(dir, 'config.yaml');
  const merged = {
    compressor: { plugin: TEST_COMPRESSOR },
    cacheDir: join(dir, 'cache'),
    ...config,
    backend: { host: '127.0.0.1', port: 0, ...((config.backend as object) ?? {}) },
    artifacts: { gcIntervalSeconds: 0, ...((config.artifacts as object) ?? {}) },
  };
  await writeFile(file, stringify(merged));
  const loaded = await loadConfig({ file, env: {} });
  const backend = await startBackend(loaded, logger);
  return {
    ...backend,
    dir,
    stop: async () => {
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs JSON and returns status and parsed body. */
export async function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A deterministic context of exactly `chars` characters of varied English-like text. */
export function makeContext(chars: number, seed = 1): string {
  const words = ['the', 'validator', 'asked', 'about', 'a', 'long', 'conversation', 'where', 'Alice', 'met', 'Bob', 'in', 'Paris', 'on', 'Tuesday', 'and', 'they', 'talked', 'of', 'compression', 'caches', 'tokens', 'models', '42', 'numbers.'];
  let s = '';
  let x = seed;
  while (s.length < chars) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += `${words[x % words.length]} `;
  }
  return s.slice(0, chars);
}
