import { z } from '@neural-condense/sdk';

/** Options of `@neural-condense/storage-azure`, as written under `store.options`. */
export const azureOptionsSchema = z
  .object({
    /** Container holding the artifacts; its public access level must be `blob`. */
    container: z
      .string()
      .regex(/^(?:\$web|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9])$/, '3-63 lower-case letters, digits and single hyphens (or $web)'),
    /** Key prefix inside the container, e.g. `condense/`. */
    prefix: z.string().default(''),
    /** Full connection string; default `AZURE_STORAGE_CONNECTION_STRING`. */
    connectionString: z.string().min(1).optional(),
    /** Storage account name (with `accountKey`, or alone for DefaultAzureCredential); default `AZURE_STORAGE_ACCOUNT`. */
    accountName: z.string().min(1).optional(),
    /** Shared key of the account; default `AZURE_STORAGE_KEY`. */
    accountKey: z.string().min(1).optional(),
    /** Blob endpoint override, e.g. azurite's `http://127.0.0.1:10000/devstoreaccount1`. */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** URL prefix validators download from (CDN / custom domain); default the container's own URL. */
    publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Block size of the staged-block upload, bytes (Azure allows up to 4000 MiB). */
    blockSize: z.number().int().min(64 * 1024).max(4000 * 1024 * 1024).default(8 * 1024 * 1024),
    /** Blocks uploaded in parallel; memory use is about `blockSize * concurrency`. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Bodies up to this size go in one Put Blob request instead of staged blocks. */
    singleShotBytes: z.number().int().min(0).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
  })
  .strict();

/** Validated options (defaults applied). */
export type AzureStoreOptions = z.output<typeof azureOptionsSchema>;
