import { z } from '@neural-condense/sdk';
import { s3OptionsShape, withDefaults } from '@neural-condense/storage-s3';

/** The env vars miners of the original already have, mapped to option names. */
export function minioEnvDefaults(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string | undefined> = {
    endpoint: env.MINIO_SERVER,
    accessKey: env.MINIO_ACCESS_KEY,
    secretKey: env.MINIO_SECRET_KEY,
    bucket: env.MINIO_BUCKET,
  };
  return Object.fromEntries(Object.entries(picked).filter((e): e is [string, string] => !!e[1]));
}

const { region, prefix, publicBaseUrl, partSize, queueSize, maxAttempts, staleUploadSeconds, checkPublicRead } = s3OptionsShape;

/** Options of the MinIO store; every MinIO-specific one defaults to its `MINIO_*` env var. */
export const minioOptionsShape = {
  /** Full server URL with scheme and port, e.g. `https://minio.example.com:9000` (MINIO_SERVER). */
  endpoint: z.url({ protocol: /^https?$/, error: 'set MINIO_SERVER or store.options.endpoint to the full server URL, e.g. https://minio.example.com:9000' }),
  /** Access key (MINIO_ACCESS_KEY). */
  accessKey: z.string({ error: 'set MINIO_ACCESS_KEY or store.options.accessKey' }).min(1),
  /** Secret key (MINIO_SECRET_KEY). */
  secretKey: z.string({ error: 'set MINIO_SECRET_KEY or store.options.secretKey' }).min(1),
  /** Bucket with an anonymous-download policy (MINIO_BUCKET). */
  bucket: z.string({ error: 'set MINIO_BUCKET or store.options.bucket' }).min(3).max(63),
  region,
  prefix,
  publicBaseUrl,
  partSize,
  queueSize,
  maxAttempts,
  staleUploadSeconds,
  checkPublicRead,
};

/** The validated MinIO options schema; `env` is read at parse time (tests inject their own). */
export function minioOptionsSchema(env: () => NodeJS.ProcessEnv = () => process.env) {
  return z.preprocess(withDefaults(minioEnvDefaults, env), z.object(minioOptionsShape).strict());
}

/** MinIO store options after validation. */
export type MinioStoreOptions = z.output<ReturnType<typeof minioOptionsSchema>>;
