import { describe, expect, it } from 'vitest';
import { s3OptionsSchema } from './options.js';

describe('S3 options', () => {
  it('takes region and endpoint from the AWS env vars when the config leaves them out', () => {
    const env = { AWS_REGION: 'ap-south-1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', S3_BUCKET: 'from-env' };
    const parsed = s3OptionsSchema(() => env).parse({});
    expect(parsed).toMatchObject({ bucket: 'from-env', region: 'ap-south-1', endpoint: 'http://127.0.0.1:9000', partSize: 8 * 1024 * 1024, queueSize: 4 });
  });
  it('lets the config win over the env, and AWS_DEFAULT_REGION stand in for AWS_REGION', () => {
    const env = { AWS_DEFAULT_REGION: 'us-west-2', S3_BUCKET: 'from-env' };
    expect(s3OptionsSchema(() => env).parse({ bucket: 'from-config' })).toMatchObject({ bucket: 'from-config', region: 'us-west-2' });
  });
  it('names the field when a value is wrong', () => {
    const result = s3OptionsSchema(() => ({})).safeParse({ bucket: 'ok-bucket', partSize: 1024 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['partSize']);
    expect(result.error?.issues[0].message).toMatch(/at least 5 MiB/);
  });
  it('refuses unknown options (a typo must not be ignored)', () => {
    const result = s3OptionsSchema(() => ({})).safeParse({ bucket: 'ok-bucket', partsize: 1024 });
    expect(result.success).toBe(false);
  });
});
