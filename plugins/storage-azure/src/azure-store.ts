import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { RestError, type ContainerClient } from '@azure/storage-blob';
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

const NAME = 'azure';

/** What the store needs beyond the container client. */
export interface AzureBlobStoreConfig {
  /** Normalised prefix (`''` or ending in `/`). */
  prefix: string;
  /** Public base URL without trailing slash; default the container URL without its query. */
  publicBaseUrl?: string;
  blockSize: number;
  concurrency: number;
  singleShotBytes: number;
  logger?: Logger;
}

/**
 * Artifacts as block blobs in one Azure container. Large bodies are staged as parallel
 * blocks and committed with one Put Block List at the end; until then the blob does not
 * exist for readers, so a failed or aborted upload is never visible.
 */
export class AzureBlobStore implements ArtifactStore {
  readonly name = NAME;
  private readonly baseUrl: string;
  private readonly logger: Logger;

  constructor(
    private readonly container: ContainerClient,
    private readonly config: AzureBlobStoreConfig,
  ) {
    const own = new URL(container.url);
    own.search = ''; // a SAS connection string puts its token on every URL
    this.baseUrl = (config.publicBaseUrl ?? own.toString()).replace(/\/+$/, '');
    this.logger = config.logger ?? silentLogger;
  }

  url(key: string): string {
    return `${this.baseUrl}/${this.config.prefix}${key}`;
  }

  async init(): Promise<void> {
    let access: string | undefined;
    let accessKnown = true;
    try {
      access = (await this.container.getAccessPolicy()).blobPublicAccess;
    } catch (err) {
      // An identity with data roles only (DefaultAzureCredential) may not read the ACL:
      // then the probe below decides, and its write still catches wrong credentials.
      if (!(err instanceof RestError && err.statusCode === 403)) throw this.configError(err);
      accessKnown = false;
    }
    // Behind a CDN or the static-website endpoint the container itself may stay private.
    if (accessKnown && this.config.publicBaseUrl === undefined && access !== 'blob' && access !== 'container') {
      throw new ConfigError(
        'store.options.container',
        `[azure] container '${this.container.containerName}' has public access level '${access ?? 'private'}'; validators cannot read it. Run: az storage container set-permission --name ${this.container.containerName} --public-access blob (the account needs allowBlobPublicAccess=true), or set publicBaseUrl to a CDN in front of it`,
      );
    }
    await probePublicRead({
      store: NAME,
      key: `neural-condense-probe-${randomBytes(8).toString('hex')}.npy`,
      setting: 'store.options.container',
      write: async (key, bytes) => {
        try {
          await this.container.getBlockBlobClient(this.config.prefix + key).upload(bytes, bytes.length);
        } catch (err) {
          throw this.configError(err);
        }
        return this.url(key);
      },
      remove: (key) => this.delete(key),
      advice: (result) =>
        result.errorCode === 'PublicAccessNotPermitted'
          ? 'The storage account forbids anonymous access: az storage account update --name <account> --allow-blob-public-access true (or serve through a CDN / the $web static website and set publicBaseUrl).'
          : 'Set the container access level to blob (az storage container set-permission --public-access blob) or fix publicBaseUrl.',
    });
    this.logger.info({ container: this.container.containerName, baseUrl: this.baseUrl }, 'azure store ready: anonymous read checked');
  }

  async put({ key, body, size, contentType, signal }: PutRequest): Promise<StoredArtifact> {
    const blob = this.container.getBlockBlobClient(this.config.prefix + key);
    // Our own controller also stops blocks still in flight when the body fails.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const source = exactSize(body, size, NAME);
    const headers = { blobContentType: contentType };
    try {
      signal?.throwIfAborted();
      if (size <= this.config.singleShotBytes) {
        // Small bodies: one Put Blob; the buffer is bounded by singleShotBytes.
        const bytes = await collect(source, controller.signal);
        await blob.upload(bytes, bytes.length, { blobHTTPHeaders: headers, abortSignal: controller.signal });
      } else {
        const readable = Readable.from(source, { objectMode: false });
        controller.signal.addEventListener('abort', () => readable.destroy(new Error('upload aborted')), { once: true });
        await blob.uploadStream(readable, this.config.blockSize, this.config.concurrency, {
          blobHTTPHeaders: headers,
          abortSignal: controller.signal,
        });
      }
    } catch (err) {
      controller.abort();
      // Uncommitted blocks are invisible to readers; deleting drops them now instead of
      // after Azure's 7-day garbage collection.
      await blob.deleteIfExists().catch(() => {});
      throwIfAborted(signal);
      if (err instanceof StoreError) throw err;
      throw new StoreError(NAME, `uploading ${blob.name} failed: ${describe(err)}`, err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return { key, url: this.url(key), size };
  }

  async delete(key: string): Promise<void> {
    try {
      await this.container.getBlockBlobClient(this.config.prefix + key).deleteIfExists();
    } catch (err) {
      throw new StoreError(NAME, `deleting ${this.config.prefix}${key} failed: ${describe(err)}`, err);
    }
  }

  async *list(): AsyncIterable<ArtifactEntry> {
    const { prefix } = this.config;
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix })) {
        const key = blob.name.slice(prefix.length);
        // Only our own artifacts: direct children ending in .npy.
        if (key.includes('/') || !key.endsWith('.npy')) continue;
        yield { key, size: blob.properties.contentLength ?? 0, lastModified: blob.properties.lastModified.getTime() };
      }
    } catch (err) {
      throw new StoreError(NAME, `listing ${this.container.containerName}/${prefix} failed: ${describe(err)}`, err);
    }
  }

  /** Maps a start-up failure to the setting a user must change. */
  private configError(err: unknown): ConfigError {
    const code = err instanceof RestError ? (err.code ?? '') : '';
    const status = err instanceof RestError ? err.statusCode : undefined;
    const name = this.container.containerName;
    if (code === 'ContainerNotFound' || status === 404) {
      return new ConfigError('store.options.container', `[azure] container '${name}' does not exist: az storage container create --name ${name} --public-access blob`);
    }
    if (status === 403 || status === 401 || code.startsWith('Authentication') || code.startsWith('Authorization')) {
      return new ConfigError('store.options.connectionString', `[azure] credentials were refused (${code || status}): check AZURE_STORAGE_CONNECTION_STRING or accountName/accountKey`);
    }
    return new ConfigError('store.options.endpoint', `[azure] cannot reach container '${name}': ${describe(err)}`);
  }
}

async function collect(source: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) {
    signal.throwIfAborted();
    parts.push(part);
  }
  return Buffer.concat(parts);
}

function describe(err: unknown): string {
  if (err instanceof RestError) return `${err.statusCode ?? 'no status'} ${err.code ?? ''} ${err.message.split('\n')[0]}`.trim();
  return err instanceof Error ? err.message : String(err);
}
