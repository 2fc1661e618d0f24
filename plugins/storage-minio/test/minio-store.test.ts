import { ConfigError } from '@neural-condense/sdk';
import { createTestPluginContext, describeStoreConformance, randomArtifactKey } from '@neural-condense/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, S3RVER_CREDENTIALS, startPrivateProxy, startS3rver } from '../../storage-s3/test/helpers/s3rver.mjs';
import plugin, { createMinioStore, minioOptionsSchema } from '../src/index.js';

const MiB = 1024 * 1024;


/** The environment a miner of the original has, pointed at s3rver. */
function minioEnv(server: string, bucket: string) {
  return { MINIO_SERVER: server, MINIO_ACCESS_KEY: S3RVER_CREDENTIALS.accessKeyId, MINIO_SECRET_KEY: S3RVER_CREDENTIALS.secretAccessKey, MINIO_BUCKET: bucket };
}


describeStoreConformance(
  'storage-minio on s3rver (MINIO_* env)',
  async () => {
    const s3 = await startS3rver();
    await createBucket(s3.endpoint, 'miner-bucket');
    const options = minioOptionsSchema(() => minioEnv(s3.endpoint, 'miner-bucket')).parse({ partSize: 5 * MiB });
    const store = await plugin.create(options, createTestPluginContext());
    return {
      store,
      rawKeys: () => s3.rawKeys('miner-bucket'),
      teardown: async () => {
        await store.close?.();
        await s3.close();
      },
    };
  },
  { largeBodyBytes: 11 * MiB + 5 },
);

describe('storage-minio against s3rver', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  beforeAll(async () => {
    s3 = await startS3rver();
    await createBucket(s3.endpoint, 'miner-bucket');
  });
  afterAll(() => s3.close());

  it('returns <MINIO_SERVER>/<MINIO_BUCKET>/<key> and serves it there anonymously', async () => {
    const store = createMinioStore(minioOptionsSchema(() => minioEnv(s3.endpoint, 'miner-bucket')).parse({}));
    const key = randomArtifactKey();
    const stored = await store.put({ key, body: (async function* () { yield new Uint8Array([1, 2, 3]); })(), size: 3, contentType: 'application/octet-stream' });
    expect(stored.url).toBe(`${s3.endpoint}/miner-bucket/${key}`);
    expect(new Uint8Array(await (await fetch(stored.url)).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    await store.close();
  });

  it('names MINIO_BUCKET when the bucket is missing', async () => {
    const store = createMinioStore(minioOptionsSchema(() => minioEnv(s3.endpoint, 'not-there')).parse({}));
    const err = await store.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^store\.options\.bucket \(MINIO_BUCKET\): \[minio\] bucket 'not-there'/);
  });

  it('names MINIO_ACCESS_KEY when the key is wrong', async () => {
    const env = { ...minioEnv(s3.endpoint, 'miner-bucket'), MINIO_ACCESS_KEY: 'nobody' };
    const store = createMinioStore(minioOptionsSchema(() => env).parse({ maxAttempts: 1 }));
    const err = await store.init().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/MINIO_ACCESS_KEY.*credentials were rejected/);
  });

  it('tells how to make the bucket public when anonymous reads are refused', async () => {
    const proxy = await startPrivateProxy(s3.endpoint);
    try {
      const store = createMinioStore(minioOptionsSchema(() => minioEnv(proxy.endpoint, 'miner-bucket')).parse({}));
      const err = await store.init().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/MINIO_BUCKET.*not publicly readable: anonymous HEAD answered 403.*mc anonymous set download/);
    } finally {
      await proxy.close();
    }
  });
});
