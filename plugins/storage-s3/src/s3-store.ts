import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  type ArtifactEntry,
  type ArtifactStore,
  type Clock,
  CondenseError,
  type Logger,
  normalizePrefix,
  probePublicRead,
  type PutRequest,
  silentLogger,
  StoreError,
  type StoredArtifact,
  systemClock,
  throwIfAborted,
} from '@neural-condense/sdk';
import { abortableBody } from './abortable-body.js';
import type { S3StoreOptions } from './options.js';
import { objectUrl, publicBase } from './public-url.js';
import { describeS3Error, isNetworkError, probeWriteError, S3_SETTINGS, type S3SettingNames } from './s3-errors.js';

/** What an S3Store needs beyond its options. */
export interface S3StoreDeps {
  /** Store name in logs, metrics and error prefixes. Default `s3`. */
  name?: string;
  logger?: Logger;
  clock?: Clock;
  /** Names of the settings to mention in start-up errors (MinIO names its env vars). */
  settings?: S3SettingNames;
  /** Extra advice when the probe is not publicly readable. */
  publicReadAdvice?: string;
  /** A ready client (tests, custom middleware); built from the options otherwise. */
  client?: S3Client;
}

const DEFAULT_ADVICE =
  'Attach a bucket policy that allows anonymous s3:GetObject on the prefix (new AWS buckets block public policies: turn off "Block public access" for bucket policies first), or set publicBaseUrl to a CDN that serves the bucket. See docs/storage/s3.md.';

/**
 * An ArtifactStore on S3 or any S3-compatible server. Streams each body through
 * lib-storage: one PUT when it fits in a part, a parallel multipart upload otherwise;
 * a failed or aborted upload is aborted on the server before `put` rejects.
 */
export class S3Store implements ArtifactStore {
  readonly name: string;
  readonly client: S3Client;
  private readonly prefix: string;
  private readonly base: string;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly settings: S3SettingNames;
  private readonly advice: string;
  private readonly endpointLabel: string;

  constructor(
    private readonly options: S3StoreOptions,
    deps: S3StoreDeps = {},
  ) {
    this.name = deps.name ?? 's3';
    this.settings = deps.settings ?? S3_SETTINGS;
    this.prefix = normalizePrefix(options.prefix);
    this.base = publicBase(options, this.settings.publicBaseUrl);
    this.logger = (deps.logger ?? silentLogger).child({ store: this.name });
    this.clock = deps.clock ?? systemClock;
    this.advice = deps.publicReadAdvice ?? DEFAULT_ADVICE;
    this.endpointLabel = options.endpoint ?? `s3.${options.region}.amazonaws.com`;
    this.client = deps.client ?? new S3Client(clientConfig(options));
  }

  url(key: string): string {
    return objectUrl(this.base, this.prefix + key);
  }

  async init(): Promise<void> {
    if (!this.options.checkPublicRead) return;
    const where = { store: this.name, bucket: this.options.bucket, endpoint: this.endpointLabel };
    await probePublicRead({
      store: this.name,
      key: `probe-${randomBytes(8).toString('hex')}.npy`,
      setting: this.options.publicBaseUrl ? this.settings.publicBaseUrl : this.settings.bucket,
      write: async (key, bytes) => {
        try {
          await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key, Body: bytes, ContentLength: bytes.length }));
        } catch (err) {
          throw probeWriteError(err, where, this.settings);
        }
        return this.url(key);
      },
      remove: (key) => this.delete(key),
      advice: () => this.advice,
    });
    this.logger.info({ bucket: this.options.bucket, base: this.base }, 'store ready: probe object is publicly readable');
  }

  async put(request: PutRequest): Promise<StoredArtifact> {
    const { key, size, contentType, signal } = request;
    throwIfAborted(signal);
    const objectKey = this.prefix + key;
    const upload = new Upload({
      client: this.client,
      partSize: this.options.partSize,
      queueSize: this.options.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: this.options.bucket,
        Key: objectKey,
        Body: abortableBody(request.body, size, this.name, signal),
        ContentLength: size,
        ContentType: contentType,
      },
    });
    const started = this.clock.now();
    try {
      await upload.done();
    } catch (err) {
      await this.removeQuietly(objectKey);
      throwIfAborted(signal);
      if (err instanceof CondenseError) throw err;
      const cause = isNetworkError(err) ? `cannot reach ${this.endpointLabel} (${describeS3Error(err)})` : describeS3Error(err);
      throw new StoreError(this.name, `upload of ${objectKey} to bucket '${this.options.bucket}' failed: ${cause}`, err);
    }
    if (signal?.aborted) {
      // The last part or the single PUT was already on the wire when the abort came.
      await this.removeQuietly(objectKey);
      throwIfAborted(signal);
    }
    this.logger.debug({ key: objectKey, size, ms: this.clock.now() - started }, 'uploaded');
    return { key, url: this.url(key), size };
  }

  async delete(key: string): Promise<void> {
    try {
      // S3 answers 204 for a missing key too.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }));
    } catch (err) {
      throw new StoreError(this.name, `delete of ${this.prefix + key} failed: ${describeS3Error(err)}`, err);
    }
  }

  /**
   * Artifacts under the prefix (only `<prefix><name>.npy`, never deeper keys or other
   * files, so TTL cleanup cannot touch anything else in a shared bucket). Once the
   * listing is read to its end, stale multipart uploads under the prefix are aborted.
   */
  async *list(): AsyncIterable<ArtifactEntry> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.prefix, ContinuationToken: token }));
      } catch (err) {
        throw new StoreError(this.name, `listing bucket '${this.options.bucket}' failed: ${describeS3Error(err)}`, err);
      }
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.prefix.length) ?? '';
        if (!key.endsWith('.npy') || key.includes('/')) continue;
        yield { key, size: object.Size ?? 0, lastModified: object.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    await this.sweepIncompleteUploads(this.options.staleUploadSeconds * 1000);
  }

  /**
   * Aborts multipart uploads under the prefix started more than `olderThanMs` ago: the
   * parts of uploads whose abort never reached the server (crash, outage) cost storage
   * without ever being visible. Servers without ListMultipartUploads are skipped.
   * Returns how many were aborted.
   */
  async sweepIncompleteUploads(olderThanMs: number): Promise<number> {
    const cutoff = this.clock.now() - olderThanMs;
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.options.bucket, Prefix: this.prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
        for (const upload of page.Uploads ?? []) {
          if (!upload.Key || !upload.UploadId || (upload.Initiated?.getTime() ?? 0) > cutoff) continue;
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          aborted++;
        }
        const more = page.IsTruncated === true;
        keyMarker = more ? page.NextKeyMarker : undefined;
        uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
    } catch (err) {
      this.logger.warn({ err: describeS3Error(err) }, 'sweep of incomplete multipart uploads failed');
    }
    if (aborted) this.logger.info({ aborted }, 'aborted stale multipart uploads');
    return aborted;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Best effort: removes an object a failed put may have committed (e.g. Complete answered too late). */
  private async removeQuietly(objectKey: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: objectKey }), { abortSignal: AbortSignal.timeout(5000) });
    } catch (err) {
      this.logger.debug({ key: objectKey, err: describeS3Error(err) }, 'cleanup delete after a failed put did not succeed');
    }
  }
}

/** S3 client settings from the options; credentials come from the default chain unless given. */
export function clientConfig(options: S3StoreOptions): S3ClientConfig {
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    maxAttempts: options.maxAttempts,
  };
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    // Third-party S3 servers often reject the CRC trailers newer SDKs add by default.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (options.accessKeyId && options.secretAccessKey) {
    config.credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken };
  }
  return config;
}
