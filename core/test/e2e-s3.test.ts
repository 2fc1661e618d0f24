// The backend end to end with the real S3 plugin on s3rver: POST /condense gives a URL
// that a plain anonymous GET downloads and NumPy's np.load reads.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeNpy } from '@neural-condense/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, S3RVER_CREDENTIALS, startPrivateProxy, startS3rver } from '../../plugins/storage-s3/test/helpers/s3rver.mjs';
import { makeContext, postJson, startTestBackend, type TestBackend } from './helpers/backend.js';
import { numpyLoad } from './helpers/python.js';
import { TEST_SHAPE } from './helpers/test-compressor.js';

const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2';
const BUCKET = 'condense-e2e';

function s3StoreConfig(endpoint: string) {
  const { accessKeyId, secretAccessKey } = S3RVER_CREDENTIALS;
  return { plugin: '@neural-condense/storage-s3', options: { bucket: BUCKET, endpoint, forcePathStyle: true, region: 'us-east-1', prefix: 'e2e/', accessKeyId, secretAccessKey } };
}

describe('backend end to end with @neural-condense/storage-s3 on s3rver', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let backend: TestBackend;
  beforeAll(async () => {
    s3 = await startS3rver();
    await createBucket(s3.endpoint, BUCKET);
    // Start-up runs the store's public-read probe against s3rver.
    backend = await startTestBackend({ store: s3StoreConfig(s3.endpoint) });
  });
  afterAll(async () => {
    await backend?.stop();
    await s3?.close();
  });

  it('answers with a public s3rver URL that a plain GET downloads and np.load reads', async () => {
    const res = await postJson(`${backend.url}/condense`, { context: makeContext(6_000, 11), target_model: MODEL });
    expect(res.status).toBe(200);
    const url = res.body.compressed_kv_url as string;
    expect(url).toMatch(/^https?:\/\/.*\.npy$/);
    expect(url).toMatch(new RegExp(`^${s3.endpoint}/${BUCKET}/e2e/[0-9a-f]{32}\\.npy$`));

    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(res.body.bytes);

    const get = await fetch(url);
    expect(get.status).toBe(200);
    const bytes = new Uint8Array(await get.arrayBuffer());
    expect(bytes.length).toBe(res.body.bytes);
    const file = join(backend.dir, 'from-s3.npy');
    await writeFile(file, bytes);
    const npy = decodeNpy(bytes);
    const [, , , H, S, D] = npy.shape;
    const { dtype, shape, sum, elements } = await numpyLoad(file, [[1, 0, 0, 1, 2, 3]]);
    expect(dtype).toBe('<f2');
    expect(shape).toEqual([TEST_SHAPE.layers, 2, 1, TEST_SHAPE.kvHeads, res.body.compressed_tokens, TEST_SHAPE.headDim]);
    expect(sum).toBeCloseTo(npy.data.reduce((a, b) => a + b, 0), 3);
    expect(elements[0]).toBe(npy.data[((1 * 2 + 0) * H + 1) * S * D + 2 * D + 3]);
  });

  it('lists the artifact for TTL cleanup under the configured prefix', async () => {
    const keys = await s3.rawKeys(BUCKET, 'e2e/');
    expect(keys.length).toBeGreaterThanOrEqual(1);
    const listed = [];
    for await (const entry of backend.runtime.store.list()) listed.push(`e2e/${entry.key}`);
    expect(listed.sort()).toEqual(keys.sort());
  });

  it('refuses to start when the bucket is not publicly readable, naming the setting', async () => {
    const proxy = await startPrivateProxy(s3.endpoint);
    try {
      await expect(startTestBackend({ store: s3StoreConfig(proxy.endpoint) })).rejects.toThrow(
        /store\.options\.bucket: \[s3\] probe object .* is not publicly readable: anonymous HEAD answered 403/,
      );
    } finally {
      await proxy.close();
    }
  });
});
