import { createTestPluginContext } from '@neural-condense/sdk/testing';
import { ConfigError, StoreError } from '@neural-condense/sdk';
import plugin from '@neural-condense/storage-gcs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGcsStandin, type GcsStandin } from './helpers/gcs-standin.js';

async function* pieces(total: number, piece: number, onHalf?: () => void): AsyncGenerator<Uint8Array> {
  let halfDone = false;
  for (let off = 0; off < total; off += piece) {
    if (!halfDone && off >= total / 2) {
      halfDone = true;
      onHalf?.();
    }
    yield new Uint8Array(Math.min(piece, total - off)).fill((off / piece) % 251);
  }
}

describe('gcs store against the JSON API stand-in', () => {
  let standin: GcsStandin;

  beforeAll(async () => {
    standin = await startGcsStandin({ buckets: ['pub', 'priv'], publicBuckets: ['pub'], pageSize: 2 });
  });
  beforeEach(() => {
    standin.reset();
    standin.stats.simpleUploads = 0;
    standin.stats.resumableSessions = 0;
    standin.stats.chunkRanges.length = 0;
    standin.stats.cancelledSessions = 0;
  });
  afterAll(async () => standin?.stop());

  const create = (options: Record<string, unknown>) =>
    plugin.create(plugin.options.parse({ bucket: 'pub', apiEndpoint: standin.url, ...options }), createTestPluginContext());

  it('sends a body at or under resumableThreshold as one multipart request', async () => {
    const store = await create({ resumableThreshold: 10_000 });
    await store.put({ key: 'a.npy', body: pieces(10_000, 3000), size: 10_000, contentType: 'application/octet-stream' });
    expect(standin.stats).toMatchObject({ simpleUploads: 1, resumableSessions: 0 });
    expect(standin.rawKeys('pub')).toEqual(['a.npy']);
  });

  it('streams a larger body through one resumable session in a single request', async () => {
    const store = await create({ resumableThreshold: 10_000 });
    const stored = await store.put({ key: 'b.npy', body: pieces(10_001, 3000), size: 10_001, contentType: 'application/octet-stream' });
    expect(standin.stats).toMatchObject({ simpleUploads: 0, resumableSessions: 1, chunkRanges: ['bytes 0-*/*'] });
    const res = await fetch(stored.url);
    expect((await res.arrayBuffer()).byteLength).toBe(10_001);
  });

  it('sends chunkSize pieces with Content-Range, continuing after each 308', async () => {
    const store = await create({ resumableThreshold: 0, chunkSize: 256 * 1024 });
    await store.put({ key: 'c.npy', body: pieces(600 * 1024, 100_000), size: 600 * 1024, contentType: 'application/octet-stream' });
    expect(standin.stats.chunkRanges).toEqual(['bytes 0-262143/*', 'bytes 262144-524287/*', 'bytes 524288-614399/614400']);
  });

  it('cancels the resumable session when the upload is aborted', async () => {
    const store = await create({ resumableThreshold: 0, chunkSize: 256 * 1024 });
    const controller = new AbortController();
    const size = 2 * 1024 * 1024;
    await expect(
      store.put({ key: 'd.npy', body: pieces(size, 64 * 1024, () => controller.abort(new Error('deadline'))), size, contentType: 'x', signal: controller.signal }),
    ).rejects.toThrow('deadline');
    expect(standin.stats.resumableSessions).toBe(1);
    expect(standin.stats.cancelledSessions).toBe(1);
    expect(standin.rawKeys('pub')).toEqual([]);
  });

  for (const validation of ['md5', 'crc32c'] as const) {
    it(`detects a corrupted upload by ${validation} and removes the object`, async () => {
      const store = await create({ resumableThreshold: 1000, validation });
      standin.corruptNextUpload();
      await expect(store.put({ key: 'bad.npy', body: pieces(5000, 1000), size: 5000, contentType: 'x' })).rejects.toThrow(/uploading gs:\/\/pub\/bad.npy failed/);
      expect(standin.rawKeys('pub')).toEqual([]);
    });
  }

  it('lists .npy objects directly under the prefix across pages', async () => {
    const store = await create({ prefix: 'p/' });
    for (const key of ['k1.npy', 'k2.npy', 'k3.npy']) await store.put({ key, body: pieces(10, 10), size: 10, contentType: 'x' });
    const other = await create({ prefix: 'p/sub' });
    await other.put({ key: 'nested.npy', body: pieces(5, 5), size: 5, contentType: 'x' });
    const keys = [];
    for await (const entry of store.list()) keys.push(`${entry.key}:${entry.size}`);
    expect(keys.sort()).toEqual(['k1.npy:10', 'k2.npy:10', 'k3.npy:10']);
  });

  it('builds storage.googleapis.com URLs by default and honours publicBaseUrl', async () => {
    const google = await plugin.create(plugin.options.parse({ bucket: 'my-bucket', prefix: '/a/b/' }), createTestPluginContext());
    expect(google.url('f.npy')).toBe('https://storage.googleapis.com/my-bucket/a/b/f.npy');
    const cdn = await create({ publicBaseUrl: 'https://cdn.example.com/x/' });
    expect(cdn.url('f.npy')).toBe('https://cdn.example.com/x/f.npy');
  });

  it('honours STORAGE_EMULATOR_HOST when apiEndpoint is unset', async () => {
    process.env.STORAGE_EMULATOR_HOST = standin.url;
    try {
      const store = await plugin.create(plugin.options.parse({ bucket: 'pub' }), createTestPluginContext());
      const stored = await store.put({ key: 'e.npy', body: pieces(100, 30), size: 100, contentType: 'x' });
      expect(stored.url).toBe(`${standin.url}/pub/e.npy`);
      expect(standin.rawKeys('pub')).toEqual(['e.npy']);
      await store.delete('e.npy');
      expect(standin.rawKeys('pub')).toEqual([]);
    } finally {
      delete process.env.STORAGE_EMULATOR_HOST;
    }
  });

  it('init() names a missing bucket', async () => {
    const store = await create({ bucket: 'nope' });
    const err = await store.init!().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe('store.options.bucket');
    expect((err as Error).message).toMatch(/bucket 'nope' does not exist: gcloud storage buckets create gs:\/\/nope/);
  });

  it('init() refuses a bucket that is not publicly readable and removes its probe', async () => {
    const store = await create({ bucket: 'priv' });
    const err = await store.init!().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/anonymous HEAD answered 403.*--member=allUsers --role=roles\/storage.legacyObjectReader/);
    expect(standin.rawKeys('priv')).toEqual([]);
  });

  it('init() passes on a public bucket and leaves no probe behind', async () => {
    const store = await create({ prefix: 'runs/' });
    await store.init!();
    expect(standin.stats.simpleUploads).toBe(1);
    expect(standin.rawKeys('pub')).toEqual([]);
  });

  it('rejects a chunkSize that is not a multiple of 256 KiB', () => {
    const result = plugin.options.safeParse({ bucket: 'pub', chunkSize: 300_000 });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/multiple of 256 KiB/);
  });
});

describe('gcs store through a stand-in outage', () => {
  it('fails a put whose server dies mid-upload within seconds, and works once the server is back', async () => {
    let standin = await startGcsStandin({ buckets: ['pub'] });
    const port = Number(new URL(standin.url).port);
    const store = await plugin.create(
      plugin.options.parse({ bucket: 'pub', apiEndpoint: standin.url, resumableThreshold: 0, chunkSize: 256 * 1024 }),
      createTestPluginContext(),
    );
    const size = 2 * 1024 * 1024;
    const started = performance.now();
    const err = await store
      .put({ key: 'o1.npy', body: pieces(size, 64 * 1024, () => void standin.stop()), size, contentType: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/^\[gcs\] uploading gs:\/\/pub\/o1\.npy failed/);
    expect(performance.now() - started).toBeLessThan(15_000);

    standin = await startGcsStandin({ buckets: ['pub'], port });
    try {
      const stored = await store.put({ key: 'o2.npy', body: pieces(size, 64 * 1024), size, contentType: 'x' });
      expect((await fetch(stored.url, { method: 'HEAD' })).headers.get('content-length')).toBe(String(size));
      expect(standin.rawKeys('pub')).toEqual(['o2.npy']);
    } finally {
      await standin.stop();
    }
  });
});
