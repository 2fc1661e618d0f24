import { describe, expect, it } from 'vitest';
import { silentLogger, type ArtifactEntry, type ArtifactStore } from '@neural-condense/sdk';
import { collectExpired } from './ttl-gc.js';

function memoryStore(entries: ArtifactEntry[], opts: { batch?: boolean; failKey?: string } = {}) {
  const live = new Map(entries.map((e) => [e.key, e]));
  const calls: string[][] = [];
  const store: ArtifactStore = {
    name: 'memory',
    url: (k) => `http://127.0.0.1/${k}`,
    put: () => Promise.reject(new Error('unused')),
    async delete(key) {
      if (key === opts.failKey) throw new Error('boom');
      calls.push([key]);
      live.delete(key);
    },
    async *list() {
      yield* [...live.values()];
    },
  };
  if (opts.batch) {
    store.deleteMany = async (keys) => {
      calls.push([...keys]);
      for (const k of keys) live.delete(k);
    };
  }
  return { store, live, calls };
}

const now = 10_000_000;
const clock = { now: () => now };
const entries = [
  { key: 'old1.npy', size: 1, lastModified: now - 3_600_001 },
  { key: 'edge.npy', size: 1, lastModified: now - 3_600_000 },
  { key: 'new.npy', size: 1, lastModified: now - 3_599_999 },
  { key: 'old2.npy', size: 1, lastModified: now - 7_200_000 },
];

describe('collectExpired', () => {
  it('deletes what is at least the TTL old, one by one, and keeps the rest', async () => {
    const { store, live } = memoryStore(entries);
    expect(await collectExpired(store, 3_600_000, clock, silentLogger)).toEqual({ scanned: 4, deleted: 3, failed: 0 });
    expect([...live.keys()]).toEqual(['new.npy']);
  });

  it('uses deleteMany in one call when the store has it', async () => {
    const { store, live, calls } = memoryStore(entries, { batch: true });
    expect(await collectExpired(store, 3_600_000, clock, silentLogger)).toEqual({ scanned: 4, deleted: 3, failed: 0 });
    expect(calls).toEqual([['old1.npy', 'edge.npy', 'old2.npy']]);
    expect([...live.keys()]).toEqual(['new.npy']);
  });

  it('goes on after one failed delete', async () => {
    const { store, live } = memoryStore(entries, { failKey: 'old1.npy' });
    expect(await collectExpired(store, 3_600_000, clock, silentLogger)).toEqual({ scanned: 4, deleted: 2, failed: 1 });
    expect([...live.keys()].sort()).toEqual(['new.npy', 'old1.npy']);
  });
});
