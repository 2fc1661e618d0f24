import { ConfigError } from '@neural-condense/sdk';

/** Config paths (and env vars) to name when start-up fails, so the message says what to change. */
export interface S3SettingNames {
  bucket: string;
  credentials: string;
  endpoint: string;
  publicBaseUrl: string;
}

/** Default setting names of the S3 plugin. */
export const S3_SETTINGS: S3SettingNames = {
  bucket: 'store.options.bucket',
  credentials: 'store.options.accessKeyId/secretAccessKey (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE)',
  endpoint: 'store.options.endpoint',
  publicBaseUrl: 'store.options.publicBaseUrl',
};

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** A short, credential-free description of an S3 client error: `NoSuchBucket (404): ...`. */
export function describeS3Error(err: unknown): string {
  const e = (err ?? {}) as AwsLikeError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.Code ?? e.code ?? e.name ?? 'Error';
  const message = e.message && e.message !== name ? `: ${e.message}` : '';
  return `${name}${status ? ` (${status})` : ''}${message}`;
}

const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH'];

/** True when the request never got an HTTP answer (server down, DNS, reset): an outage, not a refusal. */
export function isNetworkError(err: unknown): boolean {
  const e = (err ?? {}) as AwsLikeError;
  return NETWORK_CODES.includes(e.code ?? '') || NETWORK_CODES.includes(e.name ?? '');
}

function errorName(err: unknown): string {
  const e = (err ?? {}) as AwsLikeError;
  return e.Code ?? e.name ?? e.code ?? '';
}

/**
 * Maps a failure of the start-up probe write to a ConfigError naming the setting to change;
 * anything unrecognised is still a ConfigError, with the client's own words.
 */
export function probeWriteError(err: unknown, where: { store: string; bucket: string; endpoint: string }, settings: S3SettingNames): ConfigError {
  const what = describeS3Error(err);
  const name = errorName(err);
  const status = (err as AwsLikeError)?.$metadata?.httpStatusCode;
  const at = `bucket '${where.bucket}' at ${where.endpoint}`;
  if (name === 'NoSuchBucket' || status === 404) {
    return new ConfigError(settings.bucket, `[${where.store}] ${at} does not exist (${what}); create it or fix the bucket name`);
  }
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'CredentialsProviderError', 'ExpiredToken', 'InvalidToken'].includes(name)) {
    return new ConfigError(settings.credentials, `[${where.store}] credentials were rejected for ${at} (${what})`);
  }
  if (name === 'AccessDenied' || status === 403) {
    return new ConfigError(settings.credentials, `[${where.store}] the credentials may not write to ${at} (${what}); grant s3:PutObject, s3:DeleteObject, s3:ListBucket and s3:AbortMultipartUpload on it`);
  }
  if (isNetworkError(err)) {
    return new ConfigError(settings.endpoint, `[${where.store}] cannot reach ${where.endpoint} (${what})`);
  }
  return new ConfigError(settings.bucket, `[${where.store}] could not write a probe object to ${at} (${what})`);
}
