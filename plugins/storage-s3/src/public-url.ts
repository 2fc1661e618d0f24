import { normalizeBaseUrl } from '@neural-condense/sdk';

/** What decides where an object can be read publicly. */
export interface PublicUrlOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  publicBaseUrl?: string;
}

/**
 * The base every public object URL starts with (no trailing `/`):
 * - `publicBaseUrl` when set (CDN, custom domain);
 * - `<endpoint>/<bucket>` (path style) or `<scheme>://<bucket>.<host>` for a custom endpoint;
 * - `https://<bucket>.s3.<region>.amazonaws.com` (virtual-hosted AWS) otherwise.
 */
export function publicBase(options: PublicUrlOptions, setting = 'store.options.publicBaseUrl'): string {
  if (options.publicBaseUrl) return normalizeBaseUrl(options.publicBaseUrl, setting);
  const bucket = encodeURIComponent(options.bucket);
  if (options.endpoint) {
    const endpoint = new URL(options.endpoint);
    const path = endpoint.pathname.replace(/\/+$/, '');
    if (options.forcePathStyle) return `${endpoint.origin}${path}/${bucket}`;
    return `${endpoint.protocol}//${bucket}.${endpoint.host}${path}`;
  }
  return `https://${bucket}.s3.${options.region}.amazonaws.com`;
}

/** `<base>/<prefix><key>`, each path segment URL-encoded. */
export function objectUrl(base: string, objectKey: string): string {
  return `${base}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
}
