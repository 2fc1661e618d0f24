import { createTestPluginContext } from '@neural-condense/sdk/testing';
import { ConfigError, StoreError, type Clock } from '@neural-condense/sdk';
import plugin, { createHfStore, type HfStore } from '@neural-condense/storage-hf';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHubStandin, type HubStandin } from './helpers/hub-standin.js';

const TOKEN = 'hf_store_test_token';

async function* bytes(total: number, piece = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < total; off += piece) yield new Uint8Array(Math.min(piece, total - off)).fill(off % 253);
}

/** A key whose first 32 bits pick repo `index` of `count`. */
function keyFor(index: number, count: number, tail: string): string {
  for (let n = 0; ; n++) if (n % count === index) return `${n.toString(16).padStart(8, '0')}${tail.padEnd(24, '0')}.npy`;
}

describe('hf store against the Hub stand-in', () => {
  let hub: HubStandin;
  let now = 1_700_000_000_000;
  const clock: Clock = { now: () => now };
  let sleeps: number[];
  const fakeSleep = async (ms: number) => {
    sleeps.push(ms);
  };

  beforeAll(async () => {
    hub = await startHubStandin({
      repos: ['dataset:miner/a', 'dataset:miner/b', 'dataset:miner/secret'],
      privateRepos: ['dataset:miner/secret'],
      token: TOKEN,
      multipartThreshold: 1024 * 1024,
      multipartChunk: 512 * 1024,
    });
  });
  afterAll(async () => hub?.stop());
  beforeEach(() => {
    sleeps = [];
  });

  const create = (options: Record<string, unknown>): HfStore =>
    createHfStore(plugin.options.parse({ repos: 'miner/a', token: TOKEN, hubUrl: hub.url, ...options }), createTestPluginContext(), { sleep: fakeSleep, clock });

  it('commits a small .npy as a basic LFS upload and a large one as multipart parts', async () => {
    const store = create({ prefix: 'lfs' });
    const before = { ...hub.stats };
    await store.put({ key: keyFor(0, 1, 'a1'), body: bytes(1000), size: 1000, contentType: 'x' });
    expect(hub.stats.basicUploads - before.basicUploads).toBe(1);
    const size = 1024 * 1024 + 1;
    const stored = await store.put({ key: keyFor(0, 1, 'a2'), body: bytes(size), size, contentType: 'x' });
    expect(hub.stats.multipartParts - before.multipartParts).toBe(3); // ceil((1 MiB + 1) / 512 KiB)
    expect(hub.stats.multipartCompletions - before.multipartCompletions).toBe(1);
    expect(hub.stats.commits - before.commits).toBe(2);
    expect(stored.url).toBe(`${hub.url}/datasets/miner/a/resolve/main/lfs/${keyFor(0, 1, 'a2')}`);
  });

  it('answers HEAD on resolve with a 302 to the CDN, as huggingface.co does', async () => {
    const store = create({ prefix: 'head' });
    const stored = await store.put({ key: keyFor(0, 1, 'h1'), body: bytes(4321), size: 4321, contentType: 'x' });
    const head = await fetch(stored.url, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(302);
    expect(head.headers.get('x-linked-size')).toBe('4321');
    expect(head.headers.get('location')).toMatch(/\/cdn\/[0-9a-f]{64}$/);
  });

  it('waits out a 429 Retry-After through the injected sleep and then commits', async () => {
    const store = create({ prefix: 'throttle' });
    const commits = hub.stats.commits;
    hub.throttle('commit', 7);
    await store.put({ key: keyFor(0, 1, 't1'), body: bytes(500), size: 500, contentType: 'x' });
    expect(sleeps).toEqual([7000]);
    expect(hub.stats.commits).toBe(commits + 1);
    expect(hub.committedPaths('dataset:miner/a', 'throttle/')).toEqual([`throttle/${keyFor(0, 1, 't1')}`]);
  });

  it('fails fast when Retry-After exceeds maxRetryWaitMs, leaving nothing committed', async () => {
    const store = create({ prefix: 'toolong', maxRetryWaitMs: 60_000 });
    hub.throttle('commit', 3600);
    const err = await store.put({ key: keyFor(0, 1, 'l1'), body: bytes(500), size: 500, contentType: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/429.*rate-limited this repo beyond maxRetryWaitMs/);
    expect(sleeps).toEqual([]);
    expect(hub.committedPaths('dataset:miner/a', 'toolong/')).toEqual([]);
  });

  it('refuses a put once the hourly commit budget is spent, before uploading anything', async () => {
    const store = create({ prefix: 'budget', commitsPerHour: 2 });
    await store.put({ key: keyFor(0, 1, 'b1'), body: bytes(10), size: 10, contentType: 'x' });
    await store.put({ key: keyFor(0, 1, 'b2'), body: bytes(10), size: 10, contentType: 'x' });
    const batches = hub.stats.batches;
    await expect(store.put({ key: keyFor(0, 1, 'b3'), body: bytes(10), size: 10, contentType: 'x' })).rejects.toThrow(
      /commit budget of 'miner\/a' is used up \(2\/hour\); next slot in 3600 s/,
    );
    expect(hub.stats.batches).toBe(batches);
    now += 3_600_001;
    await store.put({ key: keyFor(0, 1, 'b3'), body: bytes(10), size: 10, contentType: 'x' });
  });

  it('spreads keys over repos by key and deletes expired ones with one commit per repo', async () => {
    const store = create({ repos: ['miner/a', 'miner/b'], prefix: 'gc', publicBaseUrl: `${hub.url}/datasets/{repo}/resolve/main` });
    const keys = [keyFor(0, 2, 'g1'), keyFor(1, 2, 'g2'), keyFor(0, 2, 'g3'), keyFor(1, 2, 'g4')];
    for (const key of keys) await store.put({ key, body: bytes(100), size: 100, contentType: 'x' });
    expect(hub.committedPaths('dataset:miner/a', 'gc/')).toEqual([`gc/${keys[0]}`, `gc/${keys[2]}`].sort());
    expect(hub.committedPaths('dataset:miner/b', 'gc/')).toEqual([`gc/${keys[1]}`, `gc/${keys[3]}`].sort());
    expect(store.url(keys[1])).toBe(`${hub.url}/datasets/miner/b/resolve/main/gc/${keys[1]}`);

    const commits = hub.stats.commits;
    await store.deleteMany([...keys, keyFor(0, 2, 'missing')]);
    expect(hub.stats.commits).toBe(commits + 2);
    expect(hub.stats.commitOps.slice(-2).map((ops) => ops.length)).toEqual([2, 2]);
    expect(hub.committedPaths('dataset:miner/a', 'gc/')).toEqual([]);
    expect(hub.committedPaths('dataset:miner/b', 'gc/')).toEqual([]);
    // Deleting keys that are already gone costs no commit.
    await store.delete(keys[0]);
    expect(hub.stats.commits).toBe(commits + 2);
  });

  it('init() refuses the redirecting resolve URL by default, naming the validator HEAD, and removes its probe', async () => {
    const store = create({ prefix: 'probe' });
    const err = await store.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/answered 302 .*validator's HEAD does not follow redirects.*allowRedirectingHead/);
    expect(hub.committedPaths('dataset:miner/a', 'probe/')).toEqual([]);
  });

  it('init() passes with allowRedirectingHead and leaves no probe behind', async () => {
    const store = create({ prefix: 'probe2', allowRedirectingHead: true });
    await store.init();
    expect(hub.committedPaths('dataset:miner/a', 'probe2/')).toEqual([]);
  });

  it('init() names a missing repo and a private one', async () => {
    await expect(create({ repos: 'miner/none' }).init()).rejects.toThrow(/dataset repo 'miner\/none' does not exist or HF_TOKEN cannot see it: huggingface-cli repo create none --organization miner --type dataset/);
    await expect(create({ repos: 'miner/secret' }).init()).rejects.toThrow(/'miner\/secret' is private; validators cannot download from it/);
  });

  it('reports a token without write access at start-up and on put', async () => {
    const store = create({ token: 'hf_wrong', allowRedirectingHead: true });
    const err = await store.init().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe('store.options.token');
    expect((err as Error).message).toMatch(/cannot commit to 'miner\/a'.*HF_TOKEN needs write access/);
    await expect(store.put({ key: keyFor(0, 1, 'w1'), body: bytes(10), size: 10, contentType: 'x' })).rejects.toThrow(/401 .*check HF_TOKEN has write access/);
  });

  it('needs a token and a {repo} placeholder with several repos', () => {
    expect(() => createHfStore(plugin.options.parse({ repos: 'miner/a' }), createTestPluginContext(), {}, {})).toThrow(/set HF_TOKEN/);
    expect(() => create({ repos: ['miner/a', 'miner/b'], publicBaseUrl: 'https://proxy.example.com/x' })).toThrow(/must contain \{repo\}/);
    expect(createHfStore(plugin.options.parse({ repos: 'o/r', repoType: 'model' }), createTestPluginContext(), {}, { HF_TOKEN: TOKEN }).url('k.npy')).toBe(
      'https://huggingface.co/o/r/resolve/main/k.npy',
    );
  });
});
