import { createTestPluginContext } from '@neural-condense/sdk/testing';
import { BlobServiceClient } from '@azure/storage-blob';
import { ConfigError, StoreError } from '@neural-condense/sdk';
import plugin from '@neural-condense/storage-azure';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_ACCOUNT, startAzurite, type Azurite } from './helpers/azurite.js';

async function* pieces(total: number, piece: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < total; off += piece) yield new Uint8Array(Math.min(piece, total - off)).fill(off % 251);
}

describe('azure store against azurite', () => {
  let azurite: Azurite;
  let service: BlobServiceClient;

  beforeAll(async () => {
    azurite = await startAzurite();
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    await service.getContainerClient('public-one').create({ access: 'blob' });
    await service.getContainerClient('private-one').create();
  });
  afterAll(async () => azurite?.stop());

  const create = (options: Record<string, unknown>) =>
    plugin.create(plugin.options.parse({ connectionString: azurite.connectionString, ...options }), createTestPluginContext());

  it('stages a large body as parallel blocks and commits them once', async () => {
    const store = await create({ container: 'public-one', blockSize: 256 * 1024, concurrency: 3, singleShotBytes: 0 });
    const size = 1024 * 1024 + 10;
    const stored = await store.put({ key: 'a1.npy', body: pieces(size, 100_000), size, contentType: 'application/octet-stream' });
    expect(stored.url).toBe(`${azurite.endpoint}/public-one/a1.npy`);
    const blocks = await service.getContainerClient('public-one').getBlockBlobClient('a1.npy').getBlockList('committed');
    expect(blocks.committedBlocks?.map((b) => b.size)).toEqual([262144, 262144, 262144, 262144, 10]);
  });

  it('sends a small body as one Put Blob (no blocks)', async () => {
    const store = await create({ container: 'public-one', prefix: '/deep/er/' });
    const stored = await store.put({ key: 'b2.npy', body: pieces(5000, 999), size: 5000, contentType: 'application/octet-stream' });
    expect(stored.url).toBe(`${azurite.endpoint}/public-one/deep/er/b2.npy`);
    const blocks = await service.getContainerClient('public-one').getBlockBlobClient('deep/er/b2.npy').getBlockList('all');
    expect(blocks.committedBlocks ?? []).toEqual([]);
    expect((await fetch(stored.url, { method: 'HEAD' })).headers.get('content-length')).toBe('5000');
  });

  it('rejects a body shorter than its declared size and commits nothing', async () => {
    const store = await create({ container: 'public-one', blockSize: 64 * 1024, singleShotBytes: 0 });
    await expect(store.put({ key: 'c3.npy', body: pieces(200_000, 50_000), size: 300_000, contentType: 'x' })).rejects.toThrow(/body ended after 200000 bytes/);
    expect((await fetch(store.url('c3.npy'))).status).toBe(404);
  });

  it('serves list() only for .npy files directly under the prefix', async () => {
    const container = service.getContainerClient('public-one');
    await container.getBlockBlobClient('lst/x/nested.npy').upload('n', 1);
    await container.getBlockBlobClient('lst/notes.txt').upload('t', 1);
    await container.getBlockBlobClient('lst/d4.npy').upload('abcd', 4);
    const store = await create({ container: 'public-one', prefix: 'lst' });
    const keys = [];
    for await (const entry of store.list()) keys.push([entry.key, entry.size]);
    expect(keys).toEqual([['d4.npy', 4]]);
  });

  it('init() names the container when it does not exist', async () => {
    const store = await create({ container: 'missing-one' });
    const err = await store.init!().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe('store.options.container');
    expect((err as Error).message).toMatch(/does not exist: az storage container create --name missing-one --public-access blob/);
  });

  it('init() refuses a private container and says how to make it public', async () => {
    const store = await create({ container: 'private-one' });
    await expect(store.init!()).rejects.toThrow(/public access level 'private'.*--public-access blob/);
  });

  it('init() with a publicBaseUrl relies on the anonymous probe, which fails for a private container', async () => {
    const store = await create({ container: 'private-one', publicBaseUrl: `${azurite.endpoint}/private-one` });
    const err = await store.init!().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not publicly readable: anonymous HEAD answered 403 \(AuthorizationFailure\)/);
    // The probe was removed again.
    const left = [];
    for await (const blob of service.getContainerClient('private-one').listBlobsFlat()) left.push(blob.name);
    expect(left).toEqual([]);
  });

  it('init() reports refused credentials as a credentials problem', async () => {
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    const store = await create({ container: 'public-one', accountName: AZURITE_ACCOUNT, accountKey: wrongKey, endpoint: azurite.endpoint, connectionString: undefined });
    const err = await store.init!().catch((e: unknown) => e);
    expect((err as ConfigError).path).toBe('store.options.connectionString');
    expect((err as Error).message).toMatch(/credentials were refused/);
  });

  it('init() passes on a public container and leaves no probe behind', async () => {
    const store = await create({ container: 'public-one', prefix: 'probe-check/' });
    await store.init!();
    const left = [];
    for await (const blob of service.getContainerClient('public-one').listBlobsFlat({ prefix: 'probe-check/' })) left.push(blob.name);
    expect(left).toEqual([]);
  });

  it('refuses a config without credentials, naming the settings', async () => {
    const saved = { ...process.env };
    delete process.env.AZURE_STORAGE_CONNECTION_STRING;
    delete process.env.AZURE_STORAGE_ACCOUNT;
    try {
      await expect(plugin.create(plugin.options.parse({ container: 'public-one' }), createTestPluginContext())).rejects.toThrow(/no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING/);
    } finally {
      Object.assign(process.env, saved);
    }
  });
});

describe('azure store through an azurite outage', () => {
  let azurite: Azurite;
  afterAll(async () => azurite?.stop());

  it('fails a put whose server dies mid-upload within seconds, shows nothing, and works once the server is back', async () => {
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('outage').create({ access: 'blob' });
    const store = await plugin.create(
      plugin.options.parse({ container: 'outage', connectionString: azurite.connectionString, blockSize: 64 * 1024, concurrency: 2, singleShotBytes: 0 }),
      createTestPluginContext(),
    );
    const size = 1024 * 1024;
    async function* dying(): AsyncGenerator<Uint8Array> {
      for (let off = 0; off < size; off += 32 * 1024) {
        if (off === size / 2) await azurite.kill();
        yield new Uint8Array(32 * 1024).fill(1);
      }
    }
    const started = performance.now();
    const err = await store.put({ key: 'o1.npy', body: dying(), size, contentType: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/^\[azure\] uploading o1\.npy failed/);
    expect(performance.now() - started).toBeLessThan(15_000);

    await azurite.restart();
    // The staged blocks from before the outage were never committed: nothing to read.
    expect((await fetch(store.url('o1.npy'))).status).toBe(404);
    const stored = await store.put({ key: 'o2.npy', body: (async function* () { yield new Uint8Array(size).fill(2); })(), size, contentType: 'x' });
    expect((await fetch(stored.url, { method: 'HEAD' })).headers.get('content-length')).toBe(String(size));
  });
});
