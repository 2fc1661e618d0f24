// Small pieces every remote ArtifactStore needs, kept here so the storage plugins do not
// copy them: the exact-size guard on a streamed body, key prefixes, and the start-up
// probe that proves an object is readable without credentials.
import { ConfigError, StoreError } from './errors.js';

/** The validator's check on a compressed-KV URL (Python `re.match`, so it must end in `.npy`). */
export const PUBLIC_NPY_URL = /^https?:\/\/.*\.npy$/;

/**
 * Passes `body` through and throws when it holds more or fewer than `size` bytes. The
 * throw happens before the source ends, so an upload fed by it fails instead of
 * committing a truncated object.
 */
export async function* exactSize(body: AsyncIterable<Uint8Array>, size: number, store: string): AsyncGenerator<Uint8Array> {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.length;
    if (seen > size) throw new StoreError(store, `body is longer than its declared size of ${size} bytes`);
    yield chunk;
  }
  if (seen !== size) throw new StoreError(store, `body ended after ${seen} bytes, declared size is ${size}`);
}

/** `''` or a prefix with exactly one trailing `/` and no leading one: `a/b` -> `a/b/`. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** `https://cdn.example.com/x/` -> `https://cdn.example.com/x`; throws a ConfigError when it is not http(s). */
export function normalizeBaseUrl(url: string, setting: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(setting, `'${url}' is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(setting, `'${url}' must be an http(s) URL`);
  if (parsed.search || parsed.hash) throw new ConfigError(setting, `'${url}' must not carry a query string or fragment: the validator needs URLs ending in .npy`);
  return url.replace(/\/+$/, '');
}

/** What an anonymous HEAD of a stored object answered. */
export interface AnonymousHeadResult {
  status: number;
  /** Content-Length of the response, when sent. */
  contentLength: number | undefined;
  /** Vendor error code header when present (`x-ms-error-code`, `x-amz-error-code`, ...). */
  errorCode: string | undefined;
  /** `Location` of a 3xx answer. */
  location: string | undefined;
}

/**
 * HEAD without credentials. By default it does not follow redirects, like the validator:
 * it sends `aiohttp.ClientSession.head(url)` (whose `allow_redirects` defaults to False)
 * and rejects any status but 200, so a redirecting URL fails there.
 */
export async function headAnonymously(
  url: string,
  options: { signal?: AbortSignal; fetch?: typeof fetch; followRedirects?: boolean } = {},
): Promise<AnonymousHeadResult> {
  const res = await (options.fetch ?? fetch)(url, { method: 'HEAD', redirect: options.followRedirects ? 'follow' : 'manual', signal: options.signal });
  await res.body?.cancel();
  const length = res.headers.get('content-length');
  const errorCode = res.headers.get('x-ms-error-code') ?? res.headers.get('x-amz-error-code') ?? res.headers.get('x-error-code') ?? undefined;
  return { status: res.status, contentLength: length === null ? undefined : Number(length), errorCode, location: res.headers.get('location') ?? undefined };
}

/** How a store writes, addresses and removes its start-up probe object. */
export interface PublicReadProbe {
  /** Store name for messages, e.g. `gcs`. */
  store: string;
  /** Key of the probe (relative to the prefix), ending in `.npy`. */
  key: string;
  /** Config path to name when the object is not public, e.g. `store.options.bucket`. */
  setting: string;
  /** Writes `bytes` under `key` with the store's own credentials. */
  write(key: string, bytes: Uint8Array): Promise<string>;
  /** Removes the probe (also after a failed check). */
  remove(key: string): Promise<void>;
  /** Extra advice for a non-200 anonymous HEAD (how to make the target public). */
  advice(result: AnonymousHeadResult): string;
  /** Accept a redirect chain ending in 200 (only for validators known to follow redirects on HEAD). Default false. */
  followRedirects?: boolean;
  fetch?: typeof fetch;
}

/**
 * The start-up check every remote store runs: write a small probe, HEAD its public URL
 * anonymously, delete it. Throws a ConfigError naming `probe.setting` when the object is
 * not readable without credentials or its URL would fail the validator's regex.
 */
export async function probePublicRead(probe: PublicReadProbe): Promise<void> {
  const bytes = new TextEncoder().encode(`neural-condense probe ${new Date().toISOString()}\n`);
  const url = await probe.write(probe.key, bytes);
  try {
    if (!PUBLIC_NPY_URL.test(url)) {
      throw new ConfigError(probe.setting, `public URL ${url} does not match ^https?://.*\\.npy$ (no query string allowed); set publicBaseUrl`);
    }
    let result: AnonymousHeadResult;
    try {
      result = await headAnonymously(url, { fetch: probe.fetch, followRedirects: probe.followRedirects });
    } catch (err) {
      throw new ConfigError(probe.setting, `[${probe.store}] anonymous HEAD of ${url} failed (${(err as Error).message}); check publicBaseUrl`);
    }
    if (result.status >= 300 && result.status < 400) {
      throw new ConfigError(
        probe.setting,
        `[${probe.store}] anonymous HEAD of ${url} answered ${result.status} (redirect to ${result.location ?? '?'}). The validator's HEAD does not follow redirects and requires 200, so every answer would score zero. ${probe.advice(result)}`,
      );
    }
    if (result.status !== 200) {
      throw new ConfigError(
        probe.setting,
        `[${probe.store}] probe object ${url} is not publicly readable: anonymous HEAD answered ${result.status}${result.errorCode ? ` (${result.errorCode})` : ''}. ${probe.advice(result)}`,
      );
    }
    if (result.contentLength !== undefined && result.contentLength !== bytes.length) {
      throw new ConfigError(probe.setting, `[${probe.store}] anonymous HEAD of ${url} reports ${result.contentLength} bytes, ${bytes.length} were written; check publicBaseUrl`);
    }
  } finally {
    await probe.remove(probe.key).catch(() => {});
  }
}
