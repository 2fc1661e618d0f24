import { ConfigError } from '@neural-condense/sdk';
import { describe, expect, it } from 'vitest';
import { objectUrl, publicBase } from './public-url.js';

const base = { bucket: 'my-bucket', region: 'eu-west-1', forcePathStyle: false };

describe('public object URLs', () => {
  it('is virtual-hosted on AWS by default', () => {
    expect(objectUrl(publicBase(base), 'p/ab.npy')).toBe('https://my-bucket.s3.eu-west-1.amazonaws.com/p/ab.npy');
  });
  it('is path-style on a custom endpoint with forcePathStyle, keeping its port and path', () => {
    expect(publicBase({ ...base, endpoint: 'https://minio.example.com:9000', forcePathStyle: true })).toBe('https://minio.example.com:9000/my-bucket');
    expect(publicBase({ ...base, endpoint: 'http://gw.example.com/s3/', forcePathStyle: true })).toBe('http://gw.example.com/s3/my-bucket');
  });
  it('puts the bucket in the host on a custom endpoint without forcePathStyle', () => {
    expect(publicBase({ ...base, endpoint: 'https://r2.example.com' })).toBe('https://my-bucket.r2.example.com');
  });
  it('uses publicBaseUrl verbatim, minus trailing slashes', () => {
    expect(objectUrl(publicBase({ ...base, publicBaseUrl: 'https://cdn.example.com/kv/' }), 'x.npy')).toBe('https://cdn.example.com/kv/x.npy');
  });
  it('refuses a publicBaseUrl with a query string, which would break the validator regex', () => {
    expect(() => publicBase({ ...base, publicBaseUrl: 'https://cdn.example.com/?sig=1' })).toThrow(ConfigError);
  });
  it('encodes each key segment but keeps the slashes', () => {
    expect(objectUrl('https://h', 'a b/c#d.npy')).toBe('https://h/a%20b/c%23d.npy');
  });
});
