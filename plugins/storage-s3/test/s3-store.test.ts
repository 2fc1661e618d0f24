import { CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { ConfigError, StoreError } from '@neural-condense/sdk';
import { createTestPluginContext, describeStoreConformance, randomArtifactKey } from '@neural-condense/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { S3Store, type S3StoreOptions } from '../src/index.js';
import { createBucket, S3RVER_CREDENTIALS, startPrivateProxy, startS3rver } from './helpers/s3rver.mjs';

const MiB = 1024 * 1024;


/** Options through the plugin's own schema, as core would validate them. */
function parseOptions(raw: Record<string, unknown>): S3StoreOptions {
  const { accessKeyId, secretAccessKey } = S3RVER_CREDENTIALS;
  return plugin.options.parse({ accessKeyId, secretAccessKey, forcePathStyle: true, region: 'us-east-1', partSize: 5 * MiB, ...raw });
}


async function* bytesOf(size: number, chunk = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < size; off += chunk) yield new Uint8Array(Math.min(chunk, size - off)).fill(off % 251);
}

describeStoreConformance(
  'storage-s3 on s3rver',
  async () => {
    const s3 = await startS3rver();
    await createBucket(s3.endpoint, 'artifacts');
    const store = await plugin.create(parseOptions({ bucket: 'artifacts', endpoint: s3.endpoint, prefix: 'condense/' }), createTestPluginContext());
    return {
      store,
      rawKeys: () => s3.rawKeys('artifacts', 'condense/'),
      teardown: async () => {
        await store.close?.();
        await s3.close();
      },
    };
  },
  { largeBodyBytes: 11 * MiB + 123 },
);

describe('storage-s3 against s3rver', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  beforeAll(async () => {
    s3 = await startS3rver();
    await createBucket(s3.endpoint, 'bucket-one');
  });
  afterAll(() => s3.close());

  it('sends one PUT for a body within a part, and parallel multipart parts above it', async () => {
    const store = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint, queueSize: 3 }));
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const onRequest = (r: { method: string; query: Record<string, string> }) => {
      if (r.method === 'PUT' && r.query.partNumber) {
        seen.push(`part${r.query.partNumber}`);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
      } else if (r.method === 'PUT') seen.push('put');
      else if (r.method === 'POST' && 'uploads' in r.query) seen.push('create');
      else if (r.method === 'POST' && r.query.uploadId) seen.push('complete');
    };
    const onResponse = (r: { method: string; query: Record<string, string> }) => {
      if (r.method === 'PUT' && r.query.partNumber) inFlight--;
    };
    s3.events.on('request', onRequest);
    s3.events.on('response', onResponse);
    try {
      await store.put({ key: randomArtifactKey(), body: bytesOf(5 * MiB), size: 5 * MiB, contentType: 'application/octet-stream' });
      expect(seen).toEqual(['put']);
      seen.length = 0;
      await store.put({ key: randomArtifactKey(), body: bytesOf(16 * MiB), size: 16 * MiB, contentType: 'application/octet-stream' });
      expect(seen[0]).toBe('create');
      expect(seen.filter((s) => s.startsWith('part')).sort()).toEqual(['part1', 'part2', 'part3', 'part4']);
      expect(seen.at(-1)).toBe('complete');
      expect(maxInFlight).toBeGreaterThan(1);
    } finally {
      s3.events.off('request', onRequest);
      s3.events.off('response', onResponse);
      await store.close();
    }
  });

  it('refuses a body shorter than its declared size and commits nothing', async () => {
    const store = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint, prefix: 'short/' }));
    const key = randomArtifactKey();
    await expect(store.put({ key, body: bytesOf(6 * MiB), size: 7 * MiB, contentType: 'application/octet-stream' })).rejects.toThrow(/ended after 6291456 bytes, declared size is 7340032/);
    expect(await s3.rawKeys('bucket-one', 'short/')).toEqual([]);
    await store.close();
  });

  it('aborts stale multipart uploads under its prefix when list() is read, and only those', async () => {
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...S3RVER_CREDENTIALS } });
    // What a miner that crashed mid-upload leaves: an upload with a part, never completed.
    for (const key of ['sweep/dead.npy', 'elsewhere/keep.npy']) {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'bucket-one', Key: key }));
      await client.send(new UploadPartCommand({ Bucket: 'bucket-one', Key: key, UploadId, PartNumber: 1, Body: new Uint8Array(1024) }));
    }
    client.destroy();
    expect(await s3.rawKeys('bucket-one', 'sweep/')).toEqual(['sweep/dead.npy']);

    const fresh = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint, prefix: 'sweep/', staleUploadSeconds: 900 }));
    for await (const _ of fresh.list());
    expect(await s3.rawKeys('bucket-one', 'sweep/')).toEqual(['sweep/dead.npy']);

    const inAnHour = { now: () => Date.now() + 3600_000 };
    const later = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint, prefix: 'sweep/', staleUploadSeconds: 900 }), { clock: inAnHour });
    for await (const _ of later.list());
    expect(await s3.rawKeys('bucket-one', 'sweep/')).toEqual([]);
    expect(await s3.rawKeys('bucket-one', 'elsewhere/')).toEqual(['elsewhere/keep.npy']);
    await Promise.all([fresh.close(), later.close()]);
  });

  it('lists only <prefix><id>.npy, so TTL cleanup never touches other objects', async () => {
    const store = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint, prefix: 'mixed' }));
    const other = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint, prefix: 'mixed/deeper' }));
    const key = randomArtifactKey();
    await store.put({ key, body: bytesOf(10), size: 10, contentType: 'application/octet-stream' });
    await other.put({ key: randomArtifactKey(), body: bytesOf(10), size: 10, contentType: 'application/octet-stream' });
    const listed = [];
    for await (const entry of store.list()) listed.push(entry.key);
    expect(listed).toEqual([key]);
    await Promise.all([store.close(), other.close()]);
  });

  describe('init() fails start-up with a ConfigError naming the setting to change', () => {
    it('when the bucket does not exist', async () => {
      const store = new S3Store(parseOptions({ bucket: 'no-such-bucket', endpoint: s3.endpoint }));
      const err = await store.init().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe('store.options.bucket');
      expect((err as Error).message).toMatch(/bucket 'no-such-bucket' .* does not exist \(NoSuchBucket/);
    });

    it('when the access key is unknown', async () => {
      const store = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint, accessKeyId: 'WRONGKEY', maxAttempts: 1 }));
      const err = await store.init().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toMatch(/^store\.options\.accessKeyId/);
      expect((err as Error).message).toMatch(/credentials were rejected .*InvalidAccessKeyId/);
    });

    it('when nothing listens at the endpoint', async () => {
      const dead = await startS3rver();
      const endpoint = dead.endpoint;
      await dead.close();
      const store = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint, maxAttempts: 1 }));
      const err = await store.init().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe('store.options.endpoint');
      expect((err as Error).message).toContain(`cannot reach ${endpoint}`);
    });

    it('when objects are not publicly readable, and leaves no probe behind', async () => {
      const proxy = await startPrivateProxy(s3.endpoint);
      try {
        const store = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: proxy.endpoint, prefix: 'private/' }));
        // Signed requests pass the proxy, so the store itself works...
        const key = randomArtifactKey();
        await store.put({ key, body: bytesOf(100), size: 100, contentType: 'application/octet-stream' });
        await store.delete(key);
        // ...but an anonymous HEAD is refused, and start-up must say so.
        const err = await store.init().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).path).toBe('store.options.bucket');
        expect((err as Error).message).toMatch(/not publicly readable: anonymous HEAD answered 403 \(AccessDenied\).*s3:GetObject/);
        expect(await s3.rawKeys('bucket-one', 'private/')).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    it('passes on a public bucket, and names publicBaseUrl when that one points nowhere useful', async () => {
      await new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint })).init();
      const store = new S3Store(parseOptions({ bucket: 'bucket-one', endpoint: s3.endpoint, publicBaseUrl: `${s3.endpoint}/wrong-bucket` }));
      const err = await store.init().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe('store.options.publicBaseUrl');
    });
  });

  it('reports an upload failure as a StoreError that names the store, bucket and cause', async () => {
    const store = new S3Store(parseOptions({ bucket: 'gone', endpoint: s3.endpoint }));
    const err = await store.put({ key: randomArtifactKey(), body: bytesOf(10), size: 10, contentType: 'application/octet-stream' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/^\[s3\] upload of .*\.npy to bucket 'gone' failed: NoSuchBucket \(404\)/);
  });
});
