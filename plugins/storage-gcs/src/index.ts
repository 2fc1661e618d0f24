import { Storage } from '@google-cloud/storage';
import { definePlugin, normalizeBaseUrl, normalizePrefix, PLUGIN_API_VERSION } from '@neural-condense/sdk';
import { GcsStore } from './gcs-store.js';
import { gcsOptionsSchema } from './options.js';

export { GcsStore, type GcsStoreConfig } from './gcs-store.js';
export { gcsOptionsSchema, type GcsStoreOptions } from './options.js';

/** Google Cloud Storage: objects in a bucket readable by `allUsers`. */
export default definePlugin({
  name: '@neural-condense/storage-gcs',
  version: '0.1.0',
  kind: 'store',
  apiVersion: PLUGIN_API_VERSION,
  options: gcsOptionsSchema,
  create(options, context) {
    // The client itself reads GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_CLOUD_PROJECT and
    // STORAGE_EMULATOR_HOST when the matching option is unset.
    const apiEndpoint = options.apiEndpoint ?? process.env.STORAGE_EMULATOR_HOST;
    const storage = new Storage({
      ...(options.projectId && { projectId: options.projectId }),
      ...(options.keyFilename && { keyFilename: options.keyFilename }),
      ...(options.apiEndpoint && { apiEndpoint: options.apiEndpoint }),
      // The request deadline bounds an upload anyway; the client's default of retrying for
      // up to 10 minutes would only hold a failed request open.
      retryOptions: { maxRetries: 2, totalTimeout: 60 },
    });
    const publicBaseUrl = options.publicBaseUrl
      ? normalizeBaseUrl(options.publicBaseUrl, 'store.options.publicBaseUrl')
      : `${(apiEndpoint ?? 'https://storage.googleapis.com').replace(/\/+$/, '')}/${options.bucket}`;
    const logger = context.logger.child({ store: 'gcs' });
    logger.info({ bucket: options.bucket, publicBaseUrl, endpoint: apiEndpoint ?? 'google' }, 'gcs store configured');
    return new GcsStore(storage.bucket(options.bucket), {
      prefix: normalizePrefix(options.prefix),
      publicBaseUrl,
      resumableThreshold: options.resumableThreshold,
      chunkSize: options.chunkSize,
      validation: options.validation,
      logger,
    });
  },
});
