import type { Clock, Logger } from '@neural-condense/sdk';
import { S3Store, type S3SettingNames, type S3StoreOptions } from '@neural-condense/storage-s3';
import type { MinioStoreOptions } from './options.js';

/** Start-up errors name the MINIO_* variables a miner of the original knows. */
export const MINIO_SETTINGS: S3SettingNames = {
  bucket: 'store.options.bucket (MINIO_BUCKET)',
  credentials: 'store.options.accessKey/secretKey (MINIO_ACCESS_KEY/MINIO_SECRET_KEY)',
  endpoint: 'store.options.endpoint (MINIO_SERVER)',
  publicBaseUrl: 'store.options.publicBaseUrl',
};

const ADVICE = 'Allow anonymous downloads: `mc anonymous set download <alias>/<bucket>` (see docs/storage/minio.md), or set publicBaseUrl to a proxy that serves the bucket.';

/**
 * MinIO options as the S3 store's: path-style addressing on MINIO_SERVER, so the URL is
 * `<MINIO_SERVER>/<bucket>/<key>`, exactly what the original miner answered.
 */
export function toS3Options(options: MinioStoreOptions): S3StoreOptions {
  return {
    bucket: options.bucket,
    region: options.region,
    prefix: options.prefix,
    endpoint: options.endpoint,
    forcePathStyle: true,
    publicBaseUrl: options.publicBaseUrl,
    accessKeyId: options.accessKey,
    secretAccessKey: options.secretKey,
    partSize: options.partSize,
    queueSize: options.queueSize,
    maxAttempts: options.maxAttempts,
    staleUploadSeconds: options.staleUploadSeconds,
    checkPublicRead: options.checkPublicRead,
  };
}

/** The MinIO store: the S3 store with MinIO's addressing, names and advice. */
export function createMinioStore(options: MinioStoreOptions, deps: { logger?: Logger; clock?: Clock } = {}): S3Store {
  return new S3Store(toS3Options(options), { ...deps, name: 'minio', settings: MINIO_SETTINGS, publicReadAdvice: ADVICE });
}
