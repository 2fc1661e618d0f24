import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, parseNpyHeader, systemClock, silentLogger } from '@neural-condense/sdk';
import { collectExpired } from '../src/store/ttl-gc.js';
import { makeContext, postJson, startTestBackend, type TestBackend } from './helpers/backend.js';
import { numpyLoad } from './helpers/python.js';
import { loadMistralTokenizer, TEST_SHAPE, testValue } from './helpers/test-compressor.js';

const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2';

describe('backend end to end (test compressor, local store, research tier)', () => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await startTestBackend();
  });
  afterAll(() => backend.stop());

  it('condenses a 10,000-character context into a .npy a plain GET downloads', async () => {
    const context = makeContext(10_000);
    const res = await postJson(`${backend.url}/condense`, { context, target_model: MODEL });
    expect(res.status).toBe(200);
    const url = res.body.compressed_kv_url as string;
    expect(url).toMatch(/^https?:\/\/.*\.npy$/);
    expect(url.startsWith(`${backend.url}/artifacts/`)).toBe(true);
    expect(url).toMatch(/\/[0-9a-f]{32}\.npy$/);
    expect(res.body.target_model).toBe(MODEL);

    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(res.body.bytes);

    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    expect(bytes.length).toBe(res.body.bytes);
    const npy = decodeNpy(bytes);
    expect(npy.descr).toBe('<f2');
    const ids = loadMistralTokenizer().encode(`<s> [INST] ${context}`, { add_special_tokens: false }).ids;
    const tokens = Math.min(Math.max(Math.trunc(ids.length * 0.25), 128), 1024);
    expect(npy.shape).toEqual([TEST_SHAPE.layers, 2, 1, TEST_SHAPE.kvHeads, tokens, TEST_SHAPE.headDim]);
    expect(res.body.compressed_tokens).toBe(tokens);
    expect(tokens).toBeGreaterThanOrEqual(128);
    expect(tokens).toBeLessThanOrEqual(1024);
    // Element (layer 1, value, head 1, token 5, dim 3) in C order.
    const [L, , , H, S, D] = npy.shape;
    const at = (l: number, kv: number, h: number, t: number, d: number) => npy.data[((((l * 2 + kv) * 1 + 0) * H + h) * S + t) * D + d];
    expect(at(1, 1, 1, 5, 3)).toBe(testValue(ids[5], 1, 1, 1, 3));
    expect(at(0, 0, 0, 0, 0)).toBe(testValue(ids[0], 0, 0, 0, 0));
    expect(L).toBe(2);
    expect(res.body.timings).toMatchObject({ total_ms: expect.any(Number), compress_ms: expect.any(Number), upload_ms: expect.any(Number) });
  });

  it("writes a file NumPy's np.load reads (allow_pickle=False) with the same values", async () => {
    const res = await postJson(`${backend.url}/condense`, { context: makeContext(3_000, 7), target_model: MODEL });
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await (await fetch(res.body.compressed_kv_url as string)).arrayBuffer());
    const file = join(backend.dir, 'download.npy');
    await writeFile(file, bytes);
    const { dtype, shape, sum, elements: [element] } = await numpyLoad(file, [[1, 1, 0, 1, 5, 3]]);
    const npy = decodeNpy(bytes);
    expect(dtype).toBe('<f2');
    expect(shape).toEqual(npy.shape);
    expect(Number(sum)).toBeCloseTo(npy.data.reduce((a, b) => a + b, 0), 3);
    const [, , , H, S, D] = npy.shape;
    expect(Number(element)).toBe(npy.data[(((1 * 2 + 1) * H + 1) * S + 5) * D + 3]);
    expect(parseNpyHeader(bytes).dataOffset % 64).toBe(0);
  });

  it.each([
    ['malformed JSON', '{"context": "abc", ', 400, 'bad_request'],
    ['missing context', { target_model: MODEL }, 400, 'bad_request'],
    ['missing target_model', { context: 'hello' }, 400, 'bad_request'],
    ['context of the wrong type', { context: 42, target_model: MODEL }, 400, 'bad_request'],
    ['an array body', [1, 2], 400, 'bad_request'],
    ['an empty context', { context: '', target_model: MODEL }, 400, 'bad_request'],
    ['a context over the tier limit', { context: makeContext(10_001), target_model: MODEL }, 413, 'context_too_long'],
    ['an unsupported target_model', { context: 'hello there', target_model: 'meta-llama/Llama-2-7b' }, 422, 'unsupported_model'],
  ])('answers %s with a JSON error', async (_name, body, status, error) => {
    const res = await postJson(`${backend.url}/condense`, body);
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(typeof res.body.detail).toBe('string');
    expect((res.body.detail as string).length).toBeGreaterThan(0);
  });

  it('answers a body over the size limit with 413', async () => {
    const res = await postJson(`${backend.url}/condense`, { context: 'x'.repeat(1_100_000), target_model: MODEL });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('body_too_large');
  });

  it('answers a non-JSON content type with 400, unknown routes with 404, wrong methods with 405', async () => {
    const text = await fetch(`${backend.url}/condense`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(400);
    expect(((await text.json()) as { error: string }).error).toBe('bad_request');
    const missing = await fetch(`${backend.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
    const wrong = await fetch(`${backend.url}/condense`, { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(await wrong.json()).toMatchObject({ error: 'method_not_allowed' });
    const art = await fetch(`${backend.url}/artifacts/${'0'.repeat(32)}.npy`);
    expect(art.status).toBe(404);
    const traversal = await fetch(`${backend.url}/artifacts/..%2Fconfig.yaml`);
    expect(traversal.status).toBe(404);
  });

  it('serves /health and Prometheus /metrics', async () => {
    const health = await fetch(`${backend.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', tier: 'research', compressor: 'test-compressor', store: 'local' });
    const metrics = await (await fetch(`${backend.url}/metrics`)).text();
    expect(metrics).toMatch(/condense_requests_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/condense_requests_total\{outcome="context_too_long"\} [1-9]/);
  });

  it('deletes artifacts older than the TTL and keeps fresh ones', async () => {
    const res = await postJson(`${backend.url}/condense`, { context: makeContext(2_000, 3), target_model: MODEL });
    const url = res.body.compressed_kv_url as string;
    const store = backend.runtime.store;
    const fresh = await collectExpired(store, 3_600_000, systemClock, silentLogger);
    expect(fresh.deleted).toBe(0);
    expect((await fetch(url)).status).toBe(200);
    const later = { now: () => Date.now() + 3_600_001 };
    const expired = await collectExpired(store, 3_600_000, later, silentLogger);
    expect(expired.deleted).toBe(fresh.scanned);
    expect(expired.deleted).toBeGreaterThanOrEqual(1);
    expect((await fetch(url)).status).toBe(404);
    const left = (await readdir(join(backend.dir, 'cache', 'artifacts'))).filter((f) => f.endsWith('.npy'));
    expect(left).toEqual([]);
  });
});

describe('backend under load and failure', () => {
  it('answers 503 when the queue is full and 504 when the deadline passes while compressing or queued', async () => {
    const backend = await startTestBackend({
      compressor: { plugin: (await import('./helpers/backend.js')).TEST_COMPRESSOR, options: { blockUntilAborted: true } },
      backend: { maxQueue: 1 },
      tiers: { research: { timeoutMs: 400 } },
    });
    try {
      const body = { context: makeContext(1_000), target_model: MODEL };
      const running = postJson(`${backend.url}/condense`, body);
      await until(() => backend.runtime.condense !== undefined && metric(backend.url, 'condense_queue_depth', 1));
      const queued = postJson(`${backend.url}/condense`, body);
      await until(() => metric(backend.url, 'condense_queue_depth', 2));
      const refused = await postJson(`${backend.url}/condense`, body);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toBe('queue_full');
      const [a, b] = await Promise.all([running, queued]);
      expect(a.status).toBe(504);
      expect(a.body.error).toBe('deadline_exceeded');
      expect(b.status).toBe(504);
      expect(b.body.error).toBe('deadline_exceeded');
    } finally {
      await backend.stop();
    }
  });

  it('a failed upload answers 502 and leaves no artifact visible', async () => {
    const { TEST_COMPRESSOR } = await import('./helpers/backend.js');
    const failing = new URL('./helpers/failing-store.ts', import.meta.url).pathname;
    const dir = await mkdtemp(join(tmpdir(), 'nc-failing-store-'));
    const b2 = await startTestBackend({ compressor: { plugin: TEST_COMPRESSOR }, store: { plugin: failing, options: { dir, failAfterBytes: 5000 } } });
    try {
      const res = await postJson(`${b2.url}/condense`, { context: makeContext(4_000), target_model: MODEL });
      expect(res.status).toBe(502);
      expect(res.body.error).toBe('store_error');
      expect(res.body.detail).toMatch(/simulated network failure/);
      const files = await readdir(dir, { recursive: true });
      expect(files.filter((f) => String(f).endsWith('.npy'))).toEqual([]);
      expect(files.filter((f) => String(f).endsWith('.part'))).toEqual([]);
    } finally {
      await b2.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shuts down gracefully: the in-flight request completes, new ones are refused', async () => {
    const backend = await startTestBackend();
    const accepted = new Promise<void>((r) => backend.server.once('request', () => r()));
    const inFlight = postJson(`${backend.url}/condense`, { context: makeContext(5_000), target_model: MODEL });
    await accepted;
    const closing = backend.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    await closing;
    await expect(fetch(`${backend.url}/health`)).rejects.toThrow();
    await backend.stop();
  });
});

async function metric(base: string, name: string, value: number): Promise<boolean> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return m !== null && Number(m[1]) === value;
}

/** Polls a condition on the event loop (no fixed sleeps); fails after 5 s. */
async function until(cond: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not met within 5 s');
}
