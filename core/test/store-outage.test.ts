// A store outage mid-upload: s3rver (in a child process) is killed with SIGKILL while the
// backend streams a multipart upload to it. The caller must get a 5xx with a clear
// message, no object may be visible, and once s3rver is back the next request succeeds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnS3rver } from '../../plugins/storage-s3/test/helpers/s3rver-child.mjs';
import { rawKeys, S3RVER_CREDENTIALS, startS3rver } from '../../plugins/storage-s3/test/helpers/s3rver.mjs';
import { makeContext, postJson, startTestBackend, TEST_COMPRESSOR, type TestBackend } from './helpers/backend.js';

const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2';
const BUCKET = 'outage';
const MiB = 1024 * 1024;
// 30,000 tokens x 2 layers x (K,V) x 2 heads x 16 dims x 2 bytes = 7.3 MiB: two 5 MiB parts.
const TOKENS = 30_000;

describe('store outage during a multipart upload', () => {
  let dir: string;
  let port: number;
  let s3: Awaited<ReturnType<typeof spawnS3rver>>;
  let backend: TestBackend;
  let client: S3Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nc-outage-'));
    // Take a free port once, so the restarted server comes back at the same address.
    const probe = await startS3rver();
    port = probe.port;
    await probe.close();
    // UploadParts hang until the kill, so the outage always hits the middle of the upload.
    s3 = await spawnS3rver({ port, directory: dir, stallUploadParts: true });
    client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { ...S3RVER_CREDENTIALS }, maxAttempts: 1 });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { accessKeyId, secretAccessKey } = S3RVER_CREDENTIALS;
    backend = await startTestBackend({
      compressor: { plugin: TEST_COMPRESSOR, options: { forceTokens: TOKENS } },
      // Let the research tier accept the oversized test cache, so the upload is multipart.
      tiers: { research: { maxCondensedTokens: TOKENS } },
      store: {
        plugin: '@neural-condense/storage-s3',
        options: { bucket: BUCKET, endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', accessKeyId, secretAccessKey, partSize: 5 * MiB, queueSize: 1, staleUploadSeconds: 0 },
      },
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await s3?.kill();
    client?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  async function visibleObjects(): Promise<string[]> {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    return (page.Contents ?? []).map((o) => o.Key ?? '');
  }

  it('answers 502 naming the store when s3rver dies mid-upload, leaves nothing visible, and recovers', async () => {
    let partsSeen = 0;
    s3.events.on('request', (r: { method: string; query: Record<string, string> }) => {
      if (r.method === 'PUT' && r.query.partNumber && ++partsSeen === 1) void s3.kill();
    });

    const failed = await postJson(`${backend.url}/condense`, { context: makeContext(2_000, 5), target_model: MODEL });
    expect(partsSeen).toBeGreaterThanOrEqual(1);
    expect(failed.status).toBe(502);
    expect(failed.body.error).toBe('store_error');
    expect(failed.body.detail).toMatch(/\[s3\] upload of [0-9a-f]{32}\.npy to bucket 'outage' failed: cannot reach http:\/\/127\.0\.0\.1:\d+ \((ECONNREFUSED|ECONNRESET|EPIPE)/);
    expect(failed.body.compressed_kv_url).toBeUndefined();

    // Same port, same data directory: the server is back.
    s3 = await spawnS3rver({ port, directory: dir });
    expect(await visibleObjects()).toEqual([]);

    // The abort could not reach a dead server: the parts wait as a pending upload, never
    // as an object, until the store's sweep (run by TTL cleanup's listing) removes them.
    const pending = await rawKeys(dir, BUCKET);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatch(/^[0-9a-f]{32}\.npy$/);
    for await (const _ of backend.runtime.store.list());
    expect(await rawKeys(dir, BUCKET)).toEqual([]);

    const ok = await postJson(`${backend.url}/condense`, { context: makeContext(2_000, 6), target_model: MODEL });
    expect(ok.status).toBe(200);
    const url = ok.body.compressed_kv_url as string;
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(ok.body.bytes);
    expect(ok.body.bytes).toBeGreaterThan(5 * MiB);
    expect(await visibleObjects()).toEqual([new URL(url).pathname.split('/').pop()]);
  });
});
