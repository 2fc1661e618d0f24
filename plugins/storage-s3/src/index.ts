import { ConfigError, definePlugin, PLUGIN_API_VERSION } from '@neural-condense/sdk';
import { s3OptionsSchema, type S3StoreOptions } from './options.js';
import { S3Store } from './s3-store.js';

export { S3Store, clientConfig, type S3StoreDeps } from './s3-store.js';
export { s3OptionsSchema, s3OptionsShape, s3EnvDefaults, withDefaults, MIN_PART_SIZE, type S3StoreOptions } from './options.js';
export { publicBase, objectUrl, type PublicUrlOptions } from './public-url.js';
export { describeS3Error, S3_SETTINGS, type S3SettingNames } from './s3-errors.js';

/** Refuses half-given static credentials instead of silently falling back to the default chain. */
export function checkStaticCredentials(options: Pick<S3StoreOptions, 'accessKeyId' | 'secretAccessKey'>, names = { id: 'store.options.accessKeyId', secret: 'store.options.secretAccessKey' }): void {
  if (options.accessKeyId && !options.secretAccessKey) throw new ConfigError(names.secret, `is required when ${names.id} is set`);
  if (options.secretAccessKey && !options.accessKeyId) throw new ConfigError(names.id, `is required when ${names.secret} is set`);
}

/** `@neural-condense/storage-s3`: artifacts in an AWS S3 (or S3-compatible) bucket with public-read objects. */
export default definePlugin({
  name: '@neural-condense/storage-s3',
  version: '0.1.0',
  kind: 'store',
  apiVersion: PLUGIN_API_VERSION,
  options: s3OptionsSchema(),
  create(options, context) {
    checkStaticCredentials(options);
    return new S3Store(options, { logger: context.logger, clock: context.clock });
  },
});
