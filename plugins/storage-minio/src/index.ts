import { definePlugin, PLUGIN_API_VERSION } from '@neural-condense/sdk';
import { createMinioStore } from './minio-store.js';
import { minioOptionsSchema } from './options.js';

export { createMinioStore, toS3Options, MINIO_SETTINGS } from './minio-store.js';
export { minioOptionsSchema, minioOptionsShape, minioEnvDefaults, type MinioStoreOptions } from './options.js';

/** `@neural-condense/storage-minio`: artifacts in a MinIO bucket, configured by the original's MINIO_* env vars. */
export default definePlugin({
  name: '@neural-condense/storage-minio',
  version: '0.1.0',
  kind: 'store',
  apiVersion: PLUGIN_API_VERSION,
  options: minioOptionsSchema(),
  create: (options, context) => createMinioStore(options, { logger: context.logger, clock: context.clock }),
});
