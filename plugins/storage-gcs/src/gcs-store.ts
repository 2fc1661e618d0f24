import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Bucket } from '@google-cloud/storage';
import {
  ConfigError,
  StoreError,
  exactSize,
  probePublicRead,
  silentLogger,
  type ArtifactEntry,
  type ArtifactStore,
  type Logger,
  type PutRequest,
  type StoredArtifact,
  throwIfAborted,
} from '@neural-condense/sdk';

const NAME = 'gcs';
const LIST_PAGE = 1000;

/** What the store needs beyond the bucket handle. */
export interface GcsStoreConfig {
  /** Normalised prefix (`''` or ending in `/`). */
  prefix: string;
  /** Public base URL without trailing slash, e.g. `https://storage.googleapis.com/my-bucket`. */
  publicBaseUrl: string;
  resumableThreshold: number;
  chunkSize?: number;
  validation: 'md5' | 'crc32c' | 'none';
  logger?: Logger;
  /** fetch used to cancel resumable sessions (their URI is the credential). */
  fetch?: typeof fetch;
}

/**
 * Artifacts as objects in one GCS bucket. Small bodies go in one multipart request,
 * large ones through a resumable session streamed as one request (or in `chunkSize`
 * requests). GCS creates the object only when the upload finalises, so a failed or
 * aborted upload is never visible; its session is cancelled rather than left to expire.
 */
export class GcsStore implements ArtifactStore {
  readonly name = NAME;
  private readonly logger: Logger;

  constructor(
    private readonly bucket: Bucket,
    private readonly config: GcsStoreConfig,
  ) {
    this.logger = config.logger ?? silentLogger;
  }

  url(key: string): string {
    return `${this.config.publicBaseUrl}/${this.config.prefix}${key}`;
  }

  async init(): Promise<void> {
    try {
      await this.bucket.getMetadata();
    } catch (err) {
      // Reading bucket metadata needs storage.buckets.get, which an object-only role
      // lacks: a 403 here is not fatal, the probe below decides.
      if (status(err) !== 403) throw this.configError(err);
    }
    await probePublicRead({
      store: NAME,
      key: `neural-condense-probe-${randomBytes(8).toString('hex')}.npy`,
      setting: 'store.options.bucket',
      write: async (key, bytes) => {
        try {
          await this.bucket.file(this.config.prefix + key).save(Buffer.from(bytes), { resumable: false, contentType: 'application/octet-stream' });
        } catch (err) {
          throw this.configError(err);
        }
        return this.url(key);
      },
      remove: (key) => this.delete(key),
      advice: () =>
        `Grant anonymous read: gcloud storage buckets add-iam-policy-binding gs://${this.bucket.name} --member=allUsers --role=roles/storage.legacyObjectReader (an organisation policy "domain restricted sharing" or "public access prevention" may forbid it), or fix publicBaseUrl.`,
    });
    this.logger.info({ bucket: this.bucket.name, baseUrl: this.config.publicBaseUrl }, 'gcs store ready: anonymous read checked');
  }

  async put({ key, body, size, contentType, signal }: PutRequest): Promise<StoredArtifact> {
    const file = this.bucket.file(this.config.prefix + key);
    const resumable = size > this.config.resumableThreshold;
    const upload = file.createWriteStream({
      resumable,
      contentType,
      validation: this.config.validation === 'none' ? false : this.config.validation,
      ...(resumable && this.config.chunkSize !== undefined && { chunkSize: this.config.chunkSize }),
    });
    let sessionUri: string | undefined;
    upload.on('uri', (uri: string) => {
      sessionUri = uri;
    });
    try {
      signal?.throwIfAborted();
      await pipeline(Readable.from(exactSize(body, size, NAME)), upload, ...(signal ? [{ signal }] : []));
    } catch (err) {
      if (sessionUri) await this.cancelSession(sessionUri);
      throwIfAborted(signal);
      if (err instanceof StoreError) throw err;
      throw new StoreError(NAME, `uploading gs://${this.bucket.name}/${file.name} failed: ${describe(err)}`, err);
    }
    return { key, url: this.url(key), size };
  }

  async delete(key: string): Promise<void> {
    try {
      await this.bucket.file(this.config.prefix + key).delete({ ignoreNotFound: true });
    } catch (err) {
      throw new StoreError(NAME, `deleting gs://${this.bucket.name}/${this.config.prefix}${key} failed: ${describe(err)}`, err);
    }
  }

  async *list(): AsyncIterable<ArtifactEntry> {
    const { prefix } = this.config;
    let pageToken: string | undefined;
    do {
      let files;
      try {
        // The delimiter keeps "sub-folders" (someone else's objects) out of the listing.
        const [page, next] = await this.bucket.getFiles({ prefix, delimiter: '/', autoPaginate: false, maxResults: LIST_PAGE, pageToken });
        files = page;
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
      } catch (err) {
        throw new StoreError(NAME, `listing gs://${this.bucket.name}/${prefix} failed: ${describe(err)}`, err);
      }
      for (const file of files) {
        const key = file.name.slice(prefix.length);
        if (!key.endsWith('.npy') || key.includes('/')) continue;
        const created = file.metadata.timeCreated ?? file.metadata.updated;
        yield { key, size: Number(file.metadata.size ?? 0), lastModified: created ? Date.parse(created) : 0 };
      }
    } while (pageToken);
  }

  /** A resumable session's URI is its own credential; DELETE cancels it (GCS answers 499). */
  private async cancelSession(uri: string): Promise<void> {
    try {
      const res = await (this.config.fetch ?? fetch)(uri, { method: 'DELETE' });
      await res.body?.cancel();
    } catch (err) {
      this.logger.debug({ err: describe(err) }, 'gcs: cancelling a resumable session failed; GCS expires it after a week');
    }
  }

  /** Maps a start-up failure to the setting a user must change. */
  private configError(err: unknown): ConfigError {
    const code = status(err);
    const bucket = this.bucket.name;
    if (code === 404) {
      return new ConfigError('store.options.bucket', `[gcs] bucket '${bucket}' does not exist: gcloud storage buckets create gs://${bucket} --uniform-bucket-level-access`);
    }
    if (code === 401 || code === 403) {
      return new ConfigError(
        'store.options.keyFilename',
        `[gcs] credentials were refused (${code}): check GOOGLE_APPLICATION_CREDENTIALS / keyFilename; the account needs roles/storage.objectAdmin on gs://${bucket}`,
      );
    }
    return new ConfigError('store.options.apiEndpoint', `[gcs] cannot reach bucket '${bucket}': ${describe(err)}`);
  }
}

function status(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function describe(err: unknown): string {
  const code = status(err);
  const message = err instanceof Error ? err.message : String(err);
  return code === undefined ? message : `${code} ${message}`;
}
