import { rm } from 'node:fs/promises';
import { createTestPluginContext, describeStoreConformance } from '@neural-condense/sdk/testing';
import plugin from '@neural-condense/storage-hf';
import { startHubStandin } from './helpers/hub-standin.js';

const TOKEN = 'hf_conformance_token';

// LFS objects over 2 MiB take the multipart transfer in 1 MiB parts, so the suite's 6 MiB
// bodies exercise it. Plain resolve URLs answer HEAD with a 302, which the validator does
// not follow and the suite refuses, so this run also serves through the proxy
// (hf-store.test.ts covers the default refusal of plain resolve URLs).
describeStoreConformance('hf (loopback Hub stand-in, one dataset repo)', async () => {
  const hub = await startHubStandin({ repos: ['dataset:miner/kv-a'], token: TOKEN, multipartThreshold: 2 * 1024 * 1024, multipartChunk: 1024 * 1024, treePageSize: 3 });
  const context = createTestPluginContext();
  const store = await plugin.create(
    plugin.options.parse({ repos: 'miner/kv-a', prefix: 'kv/', token: TOKEN, hubUrl: hub.url, publicBaseUrl: `${hub.url}/proxy/datasets/{repo}` }),
    context,
  );
  return {
    store,
    rawKeys: async () => hub.committedPaths('dataset:miner/kv-a', 'kv/'),
    teardown: async () => {
      await hub.stop();
      await rm(context.cacheDir, { recursive: true, force: true });
    },
  };
});

// The production setup the docs recommend: URLs through a proxy that answers HEAD with 200,
// so the start-up probe passes exactly as the validator's HEAD (no redirects) would.
describeStoreConformance('hf (loopback Hub stand-in, two model repos behind a proxy)', async () => {
  const hub = await startHubStandin({ repos: ['model:miner/kv-a', 'model:miner/kv-b'], token: TOKEN, multipartThreshold: 2 * 1024 * 1024, multipartChunk: 1024 * 1024 });
  const context = createTestPluginContext();
  const store = await plugin.create(
    plugin.options.parse({
      repos: ['miner/kv-a', 'miner/kv-b'],
      repoType: 'model',
      token: TOKEN,
      hubUrl: hub.url,
      publicBaseUrl: `${hub.url}/proxy/{repo}`,
    }),
    context,
  );
  return {
    store,
    rawKeys: async () => [...hub.committedPaths('model:miner/kv-a'), ...hub.committedPaths('model:miner/kv-b')],
    teardown: async () => {
      await hub.stop();
      await rm(context.cacheDir, { recursive: true, force: true });
    },
  };
});
