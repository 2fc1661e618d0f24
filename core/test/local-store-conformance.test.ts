// The embedded local store, served by the real backend, passes the SDK store conformance suite.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeStoreConformance } from '@neural-condense/sdk/testing';
import { startTestBackend } from './helpers/backend.js';

describeStoreConformance('local (served by the backend)', async () => {
  const backend = await startTestBackend();
  const dir = join(backend.dir, 'cache', 'artifacts');
  return {
    store: backend.runtime.store,
    // Everything on disk; a temp file `<key>.<rand>.part` of an upload in progress counts as its key.
    rawKeys: async () =>
      (await readdir(dir, { recursive: true }))
        .map((f) => String(f).split('/').pop() ?? '')
        .map((f) => f.replace(/\.[0-9a-f]+\.part$/, ''))
        .filter((f) => f.endsWith('.npy')),
    teardown: () => backend.stop(),
  };
});
