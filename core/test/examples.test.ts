// Every example config loads through the real config loader, and its plugins load and
// accept its options, with the environment variables the file documents.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { loadPlugin } from '../src/plugins/load-plugin.js';

const dir = fileURLToPath(new URL('../../examples/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

const env = {
  MINIO_SERVER: 'https://minio.example.com:9000',
  MINIO_BUCKET: 'condense-miner',
  MINIO_ACCESS_KEY: 'a',
  MINIO_SECRET_KEY: 'b',
  AWS_REGION: 'us-east-1',
  S3_BUCKET: 'condense-miner',
  GCS_BUCKET: 'condense-miner',
  AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net',
  AZURE_STORAGE_CONTAINER: 'condense',
  HF_TOKEN: 'hf_x',
  HF_REPO: 'miner/kv',
  HF_PROXY_URL: 'https://kv-proxy.example.com',
};

describe('examples/', () => {
  it('has the configs the README lists', () => {
    expect(files).toEqual(expect.arrayContaining(['local.yaml', 'minio.yaml', 's3.yaml', 'gcs.yaml', 'azure.yaml', 'hf.yaml']));
  });

  it.each(files)('%s loads and its plugins accept their options', async (file) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const loaded = await loadConfig({ file: join(dir, file), env: { ...process.env, ...env } });
      const where = { baseDir: loaded.baseDir, source: loaded.source };
      const store = await loadPlugin(loaded.config.store.plugin, 'store', loaded.config.store.options, { ...where, configPath: 'store' });
      const compressor = await loadPlugin(loaded.config.compressor.plugin, 'compressor', loaded.config.compressor.options, { ...where, configPath: 'compressor' });
      expect(store.plugin.kind).toBe('store');
      expect(compressor.plugin.kind).toBe('compressor');
    } finally {
      process.env = saved;
    }
  });
});
