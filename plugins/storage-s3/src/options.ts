import { z } from '@neural-condense/sdk';

const MiB = 1024 * 1024;

/** S3 refuses parts under 5 MiB (except the last one), and allows at most 10,000 parts. */
export const MIN_PART_SIZE = 5 * MiB;

/** Options of the S3 store, as written under `store.options` in the miner config. */
export const s3OptionsShape = {
  /** Bucket the artifacts go to. */
  bucket: z.string().min(3, 'a bucket name is required (3 to 63 characters)').max(63),
  /** AWS region of the bucket; also used in the default public URL. */
  region: z.string().min(1).default('us-east-1'),
  /** Key prefix inside the bucket, e.g. `condense/`; the public policy can be limited to it. */
  prefix: z.string().default(''),
  /** S3-compatible endpoint (MinIO, R2, Wasabi, s3rver); leave out for AWS. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  /** Address buckets as `<endpoint>/<bucket>` instead of `<bucket>.<host>`; most S3-compatible servers need it. */
  forcePathStyle: z.boolean().default(false),
  /** Base of the URLs handed to validators (CDN, custom domain); the key is appended after a `/`. */
  publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Static credentials; leave out to use the AWS default chain (AWS_* env, profiles, instance roles). */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  sessionToken: z.string().min(1).optional(),
  /** Bytes per multipart part; bodies up to one part go in a single PUT. */
  partSize: z.coerce.number().int().min(MIN_PART_SIZE, 'partSize must be at least 5 MiB (5242880): S3 refuses smaller parts').default(8 * MiB),
  /** Parts uploaded in parallel (memory held: partSize x queueSize). */
  queueSize: z.coerce.number().int().min(1).max(64).default(4),
  /** Attempts per S3 request, retries included. */
  maxAttempts: z.coerce.number().int().min(1).max(10).default(3),
  /** Multipart uploads left pending longer than this are aborted by the cleanup sweep. */
  staleUploadSeconds: z.coerce.number().int().min(0).default(900),
  /** Run the start-up probe (write, anonymous HEAD, delete). */
  checkPublicRead: z.boolean().default(true),
};

/** Environment variables the AWS tools read, used as defaults when the config leaves a field out. */
export function s3EnvDefaults(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string | undefined> = {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION,
    endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL,
    bucket: env.S3_BUCKET,
  };
  return Object.fromEntries(Object.entries(picked).filter((e): e is [string, string] => !!e[1]));
}

/** Layers env defaults under the config's own values; config wins. */
export function withDefaults(defaults: (env: NodeJS.ProcessEnv) => Record<string, unknown>, env: () => NodeJS.ProcessEnv) {
  return (raw: unknown) => (raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...defaults(env()), ...stripUndefined(raw) } : raw);
}

function stripUndefined(raw: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
}

/** The validated S3 options schema; `env` is read at parse time (tests inject their own). */
export function s3OptionsSchema(env: () => NodeJS.ProcessEnv = () => process.env) {
  return z.preprocess(withDefaults(s3EnvDefaults, env), z.object(s3OptionsShape).strict());
}

/** S3 store options after validation. */
export type S3StoreOptions = z.output<ReturnType<typeof s3OptionsSchema>>;
