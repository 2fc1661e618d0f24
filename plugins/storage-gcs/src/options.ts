import { z } from '@neural-condense/sdk';

const MiB = 1024 * 1024;

/** Options of `@neural-condense/storage-gcs`, as written under `store.options`. */
export const gcsOptionsSchema = z
  .object({
    /** Bucket holding the artifacts; grant `allUsers` `roles/storage.legacyObjectReader` on it. */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a GCS bucket name (lower-case letters, digits, - _ .)'),
    /** Object name prefix, e.g. `condense/`. */
    prefix: z.string().default(''),
    /** Project id; default from the credentials or `GOOGLE_CLOUD_PROJECT`. */
    projectId: z.string().min(1).optional(),
    /** Service-account JSON key file; default `GOOGLE_APPLICATION_CREDENTIALS`, then ADC. */
    keyFilename: z.string().min(1).optional(),
    /** JSON API endpoint override (emulators, private endpoints); default `STORAGE_EMULATOR_HOST` or Google's. */
    apiEndpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** URL prefix validators download from (CDN / custom domain); default `https://storage.googleapis.com/<bucket>`. */
    publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Bodies larger than this use a resumable upload session; smaller ones one multipart request. */
    resumableThreshold: z.number().int().min(0).default(8 * MiB),
    /**
     * Resumable uploads: bytes per request (a multiple of 256 KiB). Unset streams the whole
     * body in one request (constant memory, fastest); set, each chunk is buffered and can be retried.
     */
    chunkSize: z
      .number()
      .int()
      .min(256 * 1024)
      .refine((n) => n % (256 * 1024) === 0, 'must be a multiple of 256 KiB (262144)')
      .optional(),
    /**
     * End-to-end integrity check of each upload against the hash GCS reports. `md5` uses
     * Node's native hash; the client's `crc32c` is pure JavaScript (about 3.6 s per 128 MiB
     * on a slow core, measured), which adds straight to the upload latency.
     */
    validation: z.enum(['md5', 'crc32c', 'none']).default('md5'),
  })
  .strict();

/** Validated options (defaults applied). */
export type GcsStoreOptions = z.output<typeof gcsOptionsSchema>;
