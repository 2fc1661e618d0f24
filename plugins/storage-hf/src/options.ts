import { z } from '@neural-condense/sdk';

const repoName = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'a repo id like owner/name');

/** Options of `@neural-condense/storage-hf`, as written under `store.options`. */
export const hfOptionsSchema = z
  .object({
    /** One repo id (`owner/name`) or several; artifacts spread over them by key. */
    repos: z.union([repoName, z.array(repoName).min(1)]).transform((r) => (Array.isArray(r) ? r : [r])),
    /** Kind of repo: datasets suit artifacts; models work too. */
    repoType: z.enum(['dataset', 'model']).default('dataset'),
    /** Path prefix inside the repo, e.g. `kv/`. */
    prefix: z.string().default(''),
    /** Branch commits go to. */
    revision: z.string().min(1).default('main'),
    /** Write token (starts with `hf_`); default `HF_TOKEN`. */
    token: z.string().startsWith('hf_', 'Hugging Face tokens start with hf_').optional(),
    /** Hub endpoint; default `HF_ENDPOINT` or https://huggingface.co. */
    hubUrl: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * URL prefix validators download from, e.g. a proxy that answers HEAD with 200; `{repo}`
     * is replaced by the repo id (required with several repos). Default: the Hub's resolve URL.
     */
    publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Commits the Hub allows per repo per hour (reported: 128); puts beyond it fail fast. */
    commitsPerHour: z.number().int().min(1).default(128),
    /** Longest Retry-After the store waits out (within the request's deadline); longer ones fail. */
    maxRetryWaitMs: z.number().int().min(0).default(30_000),
    /** Retries after a 429/503 answer. */
    maxRetries: z.number().int().min(0).max(10).default(3),
    /** Let the client use Xet storage when the Hub offers it (the Hub's default for new repos). */
    useXet: z.boolean().default(true),
    /**
     * Accept a `resolve` URL whose anonymous HEAD redirects (302 to the CDN). Validators send
     * `aiohttp` HEAD without following redirects and require 200, so leave it off unless
     * you know they changed that or publicBaseUrl points at something that answers 200.
     */
    allowRedirectingHead: z.boolean().default(false),
    /** Write and delete a probe file at start-up (costs two commits per repo). */
    probeWrites: z.boolean().default(true),
    /** Directory for spooling bodies before upload (LFS needs the SHA-256 first); default `<cacheDir>/hf-spool`. */
    spoolDir: z.string().min(1).optional(),
  })
  .strict();

/** Validated options (defaults applied). */
export type HfStoreOptions = z.output<typeof hfOptionsSchema>;
