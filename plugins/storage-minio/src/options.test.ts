import { describe, expect, it } from 'vitest';
import { createMinioStore } from './minio-store.js';
import { minioOptionsSchema } from './options.js';

const env = {
  MINIO_SERVER: 'https://minio.example.com:9000',
  MINIO_ACCESS_KEY: 'ak',
  MINIO_SECRET_KEY: 'sk',
  MINIO_BUCKET: 'condense',
};

describe('MinIO options', () => {
  it('reads MINIO_SERVER, MINIO_ACCESS_KEY, MINIO_SECRET_KEY and MINIO_BUCKET as the original did', () => {
    const options = minioOptionsSchema(() => env).parse({});
    expect(options).toMatchObject({ endpoint: env.MINIO_SERVER, accessKey: 'ak', secretKey: 'sk', bucket: 'condense', prefix: '' });
  });

  it('answers <MINIO_SERVER>/<bucket>/<key>, the original URL form', () => {
    const store = createMinioStore(minioOptionsSchema(() => env).parse({}));
    expect(store.url('0123abcd.npy')).toBe('https://minio.example.com:9000/condense/0123abcd.npy');
  });

  it('says which env var to set when one is missing', () => {
    const result = minioOptionsSchema(() => ({ MINIO_SERVER: env.MINIO_SERVER })).safeParse({});
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'accessKey: set MINIO_ACCESS_KEY or store.options.accessKey',
        'secretKey: set MINIO_SECRET_KEY or store.options.secretKey',
        'bucket: set MINIO_BUCKET or store.options.bucket',
      ]),
    );
  });

  it('refuses a MINIO_SERVER without a scheme', () => {
    const result = minioOptionsSchema(() => ({ ...env, MINIO_SERVER: 'minio.example.com:9000' })).safeParse({});
    expect(result.error?.issues[0].message).toMatch(/full server URL/);
  });
});
