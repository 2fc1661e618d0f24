import { createTestPluginContext, describeStoreConformance } from '@neural-condense/sdk/testing';
import plugin from '@neural-condense/storage-gcs';
import { startGcsStandin } from './helpers/gcs-standin.js';

// Bodies over 1 MiB take the resumable path, so the suite's 6 MiB cases exercise sessions.
for (const mode of [
  { label: 'one streaming request per session', chunkSize: undefined },
  { label: '1 MiB chunks with 308 Resume Incomplete', chunkSize: 1024 * 1024 },
]) {
  describeStoreConformance(`gcs (loopback JSON API stand-in, ${mode.label})`, async () => {
    const standin = await startGcsStandin({ buckets: ['artifacts'], pageSize: 3 });
    const store = await plugin.create(
      plugin.options.parse({ bucket: 'artifacts', prefix: 'runs', apiEndpoint: standin.url, resumableThreshold: 1024 * 1024, chunkSize: mode.chunkSize }),
      createTestPluginContext(),
    );
    return {
      store,
      rawKeys: async () => standin.rawKeys('artifacts', 'runs/'),
      teardown: () => standin.stop(),
    };
  });
}
