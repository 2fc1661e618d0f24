import { BlobServiceClient } from '@azure/storage-blob';
import { createTestPluginContext, describeStoreConformance } from '@neural-condense/sdk/testing';
import plugin from '@neural-condense/storage-azure';
import { startAzurite } from './helpers/azurite.js';

// Blocks of 1 MiB make the suite's 6 MiB body a 7-block, 4-way parallel upload.
describeStoreConformance('azure (azurite)', async () => {
  const azurite = await startAzurite();
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const container = service.getContainerClient('artifacts');
  await container.create({ access: 'blob' });
  const store = await plugin.create(
    plugin.options.parse({ container: 'artifacts', prefix: 'runs/', connectionString: azurite.connectionString, blockSize: 1024 * 1024, concurrency: 4 }),
    createTestPluginContext(),
  );
  return {
    store,
    // Uncommitted blocks show up here as blobs, so a leftover staged upload would fail the suite.
    rawKeys: async () => {
      const names: string[] = [];
      for await (const blob of container.listBlobsFlat({ prefix: 'runs/', includeUncommitedBlobs: true })) names.push(blob.name);
      return names;
    },
    teardown: () => azurite.stop(),
  };
});
