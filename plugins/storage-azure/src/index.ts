import { definePlugin, normalizeBaseUrl, normalizePrefix, PLUGIN_API_VERSION } from '@neural-condense/sdk';
import { AzureBlobStore } from './azure-store.js';
import { createBlobServiceClient } from './credentials.js';
import { azureOptionsSchema } from './options.js';

export { AzureBlobStore, type AzureBlobStoreConfig } from './azure-store.js';
export { createBlobServiceClient, type AzureCredentialSource } from './credentials.js';
export { azureOptionsSchema, type AzureStoreOptions } from './options.js';

/** Azure Blob Storage: block blobs in a container with public access level `blob`. */
export default definePlugin({
  name: '@neural-condense/storage-azure',
  version: '0.1.0',
  kind: 'store',
  apiVersion: PLUGIN_API_VERSION,
  options: azureOptionsSchema,
  async create(options, context) {
    const { client, source } = await createBlobServiceClient(options);
    const logger = context.logger.child({ store: 'azure' });
    logger.info({ credentials: source, container: options.container }, 'azure store configured');
    return new AzureBlobStore(client.getContainerClient(options.container), {
      prefix: normalizePrefix(options.prefix),
      publicBaseUrl: options.publicBaseUrl === undefined ? undefined : normalizeBaseUrl(options.publicBaseUrl, 'store.options.publicBaseUrl'),
      blockSize: options.blockSize,
      concurrency: options.concurrency,
      singleShotBytes: options.singleShotBytes,
      logger,
    });
  },
});
