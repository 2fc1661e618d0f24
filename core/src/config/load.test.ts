import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@neural-condense/sdk';
import { loadConfig } from './load.js';

const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

async function configFile(text: string, ext = 'yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nc-config-'));
  made.push(dir);
  const file = join(dir, `miner.${ext}`);
  await writeFile(file, text);
  return file;
}

describe('loadConfig', () => {
  it('runs on embedded defaults without a file: kvpress, local store, research tier of the documented table', async () => {
    const { config, tier, source } = await loadConfig({ env: {} });
    expect(source).toBeUndefined();
    expect(config.compressor.plugin).toBe('@neural-condense/kvpress');
    expect(config.store.plugin).toBe('@neural-condense/storage-local');
    expect(config.backend.port).toBe(8080);
    expect(config.artifacts.dtype).toBe('float16');
    expect(tier).toMatchObject({ name: 'research', minCondensedTokens: 128, maxCondensedTokens: 1024, maxContextChars: 10_000, timeoutMs: 32_000, output: 'kv-cache' });
    expect(tier.targetModels).toContain('mistralai/Mistral-7B-Instruct-v0.2');
  });

  it.each([
    ['inference_0', 1024, 15_000, 8_000],
    ['inference_1', 2048, 20_000, 8_000],
  ])('knows the documented tier %s', async (name, max, chars, timeout) => {
    const { tier } = await loadConfig({ overrides: { tier: name }, env: {} });
    expect(tier).toMatchObject({ minCondensedTokens: 128, maxCondensedTokens: max, maxContextChars: chars, timeoutMs: timeout });
  });

  it('offers the subnet-2025 preset and lets config override any tier field', async () => {
    const file = await configFile('tierPreset: subnet-2025\ntiers:\n  research:\n    timeoutMs: 20000\n');
    const { tier } = await loadConfig({ file, env: {} });
    expect(tier).toMatchObject({ name: 'research', maxCondensedTokens: 1536, maxContextChars: 15_000, timeoutMs: 20_000 });
    const universal = await loadConfig({ file, overrides: { tier: 'universal' }, env: {} });
    expect(universal.tier.output).toBe('text');
  });

  it('interpolates ${VAR} and ${VAR:-default} from the environment', async () => {
    const file = await configFile(
      'store:\n  plugin: "@neural-condense/storage-minio"\n  options:\n    bucket: "${MINIO_BUCKET}"\n    endpoint: "${MINIO_SERVER:-http://127.0.0.1:9000}"\nbackend:\n  port: "${PORT}"\n',
    );
    const { config } = await loadConfig({ file, env: { MINIO_BUCKET: 'condense_miner', PORT: '9090' } });
    expect(config.store.options).toEqual({ bucket: 'condense_miner', endpoint: 'http://127.0.0.1:9000' });
    expect(config.backend.port).toBe(9090);
  });

  it('names the config path and the file for a missing environment variable', async () => {
    const file = await configFile('store:\n  options:\n    bucket: "${MINIO_BUCKET}"\n');
    const err = await loadConfig({ file, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe('store.options.bucket');
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain('MINIO_BUCKET');
  });

  it.each([
    ['backend:\n  port: 70000\n', 'backend.port'],
    ['backend:\n  port: abc\n', 'backend.port'],
    ['artifacts:\n  dtype: float64\n', 'artifacts.dtype'],
    ['miner:\n  axon:\n    port: "x"\n', 'miner.axon.port'],
    ['backend:\n  prot: 80\n', 'backend'],
    ['tiers:\n  research:\n    maxCondensedTokens: -3\n', 'tiers.research.maxCondensedTokens'],
  ])('reports a bad value with its path: %j', async (text, path) => {
    const file = await configFile(text);
    const err = (await loadConfig({ file, env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.path).toBe(path);
    expect(err.message).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${path.replace('.', '\\.')}`));
  });

  it('reports an unknown tier, an unknown preset and YAML syntax errors with their location', async () => {
    await expect(loadConfig({ overrides: { tier: 'gold' }, env: {} })).rejects.toThrow(/tier: unknown tier 'gold'.*research, inference_0, inference_1/);
    await expect(loadConfig({ overrides: { tierPreset: 'old' }, env: {} })).rejects.toThrow(/tierPreset: unknown tier preset 'old'/);
    const file = await configFile('backend:\n  port: [1,\n');
    await expect(loadConfig({ file, env: {} })).rejects.toThrow(/cannot parse at line \d+/);
    await expect(loadConfig({ file: '/nonexistent/miner.yaml', env: {} })).rejects.toThrow(/cannot read config file/);
  });

  it('reads JSON too, and flags override the file', async () => {
    const file = await configFile(JSON.stringify({ tier: 'inference_0', backend: { port: 1234 } }), 'json');
    const { config, tier } = await loadConfig({ file, overrides: { 'backend.port': 4321, tier: 'inference_1' }, env: {} });
    expect(config.backend.port).toBe(4321);
    expect(tier.name).toBe('inference_1');
  });
});
