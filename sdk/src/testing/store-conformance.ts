import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactEntry, ArtifactStore, PutRequest } from '../artifact-store.js';
import { createKvCache, type KvLayer } from '../kv-cache.js';
import { collectBytes, decodeNpy, encodeKvCacheNpy } from '../npy/index.js';

/** What a store plugin's test hands the conformance suite. */
export interface StoreConformanceSetup {
  /** The store under test, created against a real server or a loopback stand-in. */
  store: ArtifactStore;
  /**
   * Every object key the backend holds under the store's prefix, including anything
   * partial (pending multipart uploads, uncommitted blocks). Lets the suite prove an
   * aborted upload left nothing behind, beyond what `list()` admits to.
   */
  rawKeys?: () => Promise<string[]>;
  /** Stops servers and removes temp dirs; runs once after the suite. */
  teardown: () => Promise<void>;
}

/** Knobs that keep the suite fast while still exercising each store's large-body path. */
export interface StoreConformanceOptions {
  /** Bytes of the large-body cases; pick more than one part of the store. Default 6 MiB + 4321. */
  largeBodyBytes?: number;
  /** Chunk size the test bodies are yielded in; deliberately unaligned. Default 256 KiB + 7. */
  chunkBytes?: number;
  /** How many puts run at once in the concurrency case. Default 4. */
  concurrentPuts?: number;
  /** Allowed difference between `lastModified` and the test's clock (servers round to seconds). Default 2 min. */
  clockToleranceMs?: number;
}

/** The validator's regex for a compressed-KV URL (Python `re.match`, anchored at both ends here). */
export const ARTIFACT_URL_PATTERN = /^https?:\/\/.*\.npy$/;

/** A fresh key as core makes them: 128 random bits in hex plus `.npy`. */
export function randomArtifactKey(): string {
  return `${randomBytes(16).toString('hex')}.npy`;
}

/**
 * Runs the store contract against `setup()`'s store with vitest: anonymous GET/HEAD round
 * trip of a real `.npy`, the URL form, concurrent puts, aborts that leave nothing visible,
 * delete, TTL listing and a large multi-part body. Call it at the top level of a test file.
 */
export function describeStoreConformance(
  name: string,
  setup: () => Promise<StoreConformanceSetup>,
  options: StoreConformanceOptions = {},
): void {
  const largeBytes = options.largeBodyBytes ?? 6 * 1024 * 1024 + 4321;
  const chunkBytes = options.chunkBytes ?? 256 * 1024 + 7;
  const concurrent = options.concurrentPuts ?? 4;
  const tolerance = options.clockToleranceMs ?? 120_000;

  describe(`ArtifactStore conformance: ${name}`, () => {
    let ctx: StoreConformanceSetup;
    const written = new Set<string>();

    beforeAll(async () => {
      ctx = await setup();
    });
    afterAll(async () => {
      if (!ctx) return;
      // Best effort: a failed test must not leave objects in a shared bucket.
      await Promise.allSettled([...written].map((key) => ctx.store.delete(key)));
      await ctx.teardown();
    });

    async function put(request: Omit<PutRequest, 'contentType'> & { contentType?: string }) {
      written.add(request.key);
      return ctx.store.put({ contentType: 'application/octet-stream', ...request });
    }

    async function expectAbsent(key: string): Promise<void> {
      const res = await fetch(ctx.store.url(key));
      await res.body?.cancel();
      expect(res.status, `GET of ${key} after a failed put`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await listedKeys(ctx.store)).not.toContain(key);
      if (ctx.rawKeys) {
        const raw = await ctx.rawKeys();
        expect(raw.filter((k) => k.includes(key.replace(/\.npy$/, ''))), 'leftovers in the backend').toEqual([]);
      }
    }

    it('init() accepts a reachable, publicly readable target', async () => {
      await ctx.store.init?.();
    });

    it('url() is a public .npy URL without a query string, ending in the key', () => {
      const key = randomArtifactKey();
      const url = ctx.store.url(key);
      expect(url).toMatch(ARTIFACT_URL_PATTERN);
      expect(url).not.toContain('?');
      expect(url.endsWith(`/${key}`)).toBe(true);
    });

    it('round-trips a real KV-cache .npy through an anonymous GET, byte for byte', async () => {
      const npy = encodeKvCacheNpy(sampleCache(2, 2, 8, 4, 1), 'float16');
      const expected = await collectBytes(npy.chunks());
      const key = randomArtifactKey();
      const stored = await put({ key, body: npy.chunks(), size: npy.size, contentType: 'application/octet-stream' });
      expect(stored.key).toBe(key);
      expect(stored.size).toBe(npy.size);
      expect(stored.url).toBe(ctx.store.url(key));

      const res = await fetch(stored.url);
      expect(res.status).toBe(200);
      const got = new Uint8Array(await res.arrayBuffer());
      expect(got.length).toBe(expected.length);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(expected))).toBe(0);
      expect(decodeNpy(got).shape).toEqual([2, 2, 1, 2, 8, 4]);
    });

    it('answers an anonymous HEAD with 200 and the exact Content-Length, without a redirect', async () => {
      const body = patternBytes(12_345, 3);
      const key = randomArtifactKey();
      const stored = await put({ key, body: chunked(body, 1000), size: body.length });
      // The validator's aiohttp HEAD does not follow redirects: a 302 scores zero.
      const res = await fetch(stored.url, { method: 'HEAD', redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(Number(res.headers.get('content-length'))).toBe(body.length);
    });

    it(`keeps ${concurrent} concurrent puts apart`, async () => {
      const bodies = Array.from({ length: concurrent }, (_, i) => patternBytes(50_000 + i * 997, 10 + i));
      const keys = bodies.map(() => randomArtifactKey());
      const stored = await Promise.all(bodies.map((body, i) => put({ key: keys[i], body: chunked(body, 4096), size: body.length })));
      for (const [i, s] of stored.entries()) {
        expect(s.key).toBe(keys[i]);
        const got = new Uint8Array(await (await fetch(s.url)).arrayBuffer());
        expect(Buffer.compare(Buffer.from(got), Buffer.from(bodies[i]))).toBe(0);
      }
    });

    it('uploads a large body (multi-part sized) intact', async () => {
      const key = randomArtifactKey();
      const body = streamedBody(largeBytes, chunkBytes, 42);
      const stored = await put({ key, body: body.chunks, size: largeBytes });
      const res = await fetch(stored.url);
      expect(res.status).toBe(200);
      const { size, sha256 } = await hashResponse(res);
      expect(size).toBe(largeBytes);
      expect(sha256).toBe(body.sha256());
    });

    it('an AbortSignal fired mid-upload rejects put and leaves nothing visible', async () => {
      const key = randomArtifactKey();
      const controller = new AbortController();
      // The body keeps flowing after the abort, so a store that ignores the signal
      // would complete the object and fail the check below.
      const body = streamedBody(largeBytes, chunkBytes, 7, {
        atHalf: () => controller.abort(new Error('test abort')),
      });
      await expect(put({ key, body: body.chunks, size: largeBytes, signal: controller.signal })).rejects.toThrow();
      await expectAbsent(key);
    });

    it('a body that throws mid-upload (large) rejects put and leaves nothing visible', async () => {
      const key = randomArtifactKey();
      const body = streamedBody(largeBytes, chunkBytes, 8, {
        atHalf: () => {
          throw new Error('encoder failed');
        },
      });
      await expect(put({ key, body: body.chunks, size: largeBytes })).rejects.toThrow();
      await expectAbsent(key);
    });

    it('a body that throws mid-upload (small) rejects put and leaves nothing visible', async () => {
      const key = randomArtifactKey();
      const body = streamedBody(20_000, 1000, 9, {
        atHalf: () => {
          throw new Error('encoder failed');
        },
      });
      await expect(put({ key, body: body.chunks, size: 20_000 })).rejects.toThrow();
      await expectAbsent(key);
    });

    it('delete() removes an object, and deleting a missing key succeeds', async () => {
      const body = patternBytes(3000, 5);
      const key = randomArtifactKey();
      const stored = await put({ key, body: chunked(body, 512), size: body.length });
      expect((await fetch(stored.url, { method: 'HEAD' })).status).toBe(200);
      await ctx.store.delete(key);
      const res = await fetch(stored.url);
      await res.body?.cancel();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await listedKeys(ctx.store)).not.toContain(key);
      await ctx.store.delete(key);
      await ctx.store.delete(randomArtifactKey());
    });

    it('list() reports each artifact with its size and lastModified for TTL cleanup', async () => {
      const before = Date.now();
      const bodies = [patternBytes(1111, 1), patternBytes(2222, 2)];
      const keys = bodies.map(() => randomArtifactKey());
      for (const [i, body] of bodies.entries()) await put({ key: keys[i], body: chunked(body, 300), size: body.length });
      const after = Date.now();

      const entries = new Map<string, ArtifactEntry>();
      for await (const entry of ctx.store.list()) entries.set(entry.key, entry);
      for (const [i, key] of keys.entries()) {
        const entry = entries.get(key);
        expect(entry, `list() misses ${key}`).toBeDefined();
        expect(entry!.size).toBe(bodies[i].length);
        expect(Number.isFinite(entry!.lastModified)).toBe(true);
        expect(entry!.lastModified).toBeGreaterThanOrEqual(before - tolerance);
        expect(entry!.lastModified).toBeLessThanOrEqual(after + tolerance);
      }
    });
  });
}

async function listedKeys(store: ArtifactStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list()) keys.push(entry.key);
  return keys;
}

/** A small KV cache with distinct float16 values, so a shuffled byte would show. */
function sampleCache(layers: number, kvHeads: number, tokens: number, headDim: number, seed: number) {
  const n = kvHeads * tokens * headDim;
  const data: KvLayer[] = [];
  for (let l = 0; l < layers; l++) {
    const key = new Float32Array(n).map((_, i) => Math.sin(seed + l * 31 + i) * 4);
    const value = new Float32Array(n).map((_, i) => Math.cos(seed + l * 17 + i) / 3);
    data.push({ key, value });
  }
  return createKvCache({ layers, kvHeads, tokens, headDim }, data);
}

/** Deterministic non-repeating-looking bytes (xorshift32), so misplaced parts change the hash. */
function fillPattern(out: Uint8Array, state: { x: number }): void {
  let x = state.x;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  state.x = x;
}

function patternBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  fillPattern(out, { x: (seed * 2654435761) | 1 });
  return out;
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < bytes.length; off += size) yield bytes.subarray(off, off + size);
}

/**
 * A body generated chunk by chunk (never held whole), hashing what it yields. `atHalf`
 * runs once half the bytes are out: it may abort a signal or throw to fail the body.
 */
function streamedBody(total: number, chunk: number, seed: number, hooks: { atHalf?: () => void } = {}) {
  const hash = createHash('sha256');
  const state = { x: (seed * 2654435761) | 1 };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let sent = 0;
    let halfDone = false;
    while (sent < total) {
      if (!halfDone && sent >= total / 2) {
        halfDone = true;
        hooks.atHalf?.();
      }
      const out = new Uint8Array(Math.min(chunk, total - sent));
      fillPattern(out, state);
      hash.update(out);
      sent += out.length;
      yield out;
    }
  }
  return { chunks: chunks(), sha256: () => hash.digest('hex') };
}

async function hashResponse(res: Response): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  if (res.body) {
    for await (const part of res.body) {
      hash.update(part);
      size += part.length;
    }
  }
  return { size, sha256: hash.digest('hex') };
}
