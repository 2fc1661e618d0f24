import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, PLUGIN_API_VERSION, PluginLoadError } from '@neural-condense/sdk';
import { loadPlugin } from './load-plugin.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/plugins/', import.meta.url));
const helpers = fileURLToPath(new URL('../../test/helpers/', import.meta.url));
const where = { baseDir: fixtures, configPath: 'compressor', source: 'miner.yaml' };

describe('loadPlugin', () => {
  it('refuses a plugin built for another API version, naming both versions', async () => {
    const err = (await loadPlugin('./wrong-api-version.ts', 'compressor', {}, where).catch((e: unknown) => e)) as PluginLoadError;
    expect(err).toBeInstanceOf(PluginLoadError);
    expect(err.message).toContain("plugin './wrong-api-version.ts'");
    expect(err.message).toContain('plugin API version 99');
    expect(err.message).toContain(`implements API version ${PLUGIN_API_VERSION}`);
  });

  it('refuses a default export not made by definePlugin', async () => {
    await expect(loadPlugin('./not-a-plugin.ts', 'compressor', {}, where)).rejects.toThrow(/does not export a plugin/);
  });

  it('explains a package that is not installed and a missing file', async () => {
    await expect(loadPlugin('@acme/no-such-press', 'compressor', {}, where)).rejects.toThrow(/cannot be loaded \(is it installed\? try: npm install @acme\/no-such-press\)/);
    await expect(loadPlugin('./missing.js', 'compressor', {}, where)).rejects.toThrow(/cannot be loaded \(file not found\)/);
  });

  it('refuses a plugin of the wrong kind', async () => {
    await expect(loadPlugin('@neural-condense/storage-local', 'compressor', {}, where)).rejects.toThrow(/is a store plugin, but compressor.plugin needs a compressor plugin/);
  });

  it('validates options with the plugin schema and names the config path', async () => {
    const err = (await loadPlugin(`${helpers}test-compressor.ts`, 'compressor', { keep: 5 }, where).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.path).toBe('compressor.options.keep');
    expect(err.message).toMatch(/^miner\.yaml: compressor\.options\.keep: /);
    const unknown = (await loadPlugin('@neural-condense/storage-local', 'store', { bucket: 'x' }, { ...where, configPath: 'store' }).catch((e: unknown) => e)) as ConfigError;
    expect(unknown.path).toBe('store.options');
    expect(unknown.message).toMatch(/bucket/);
  });

  it('returns defaulted options for a valid plugin', async () => {
    const { plugin, options } = await loadPlugin(`${helpers}test-compressor.ts`, 'compressor', {}, where);
    expect(plugin.name).toBe('test-compressor');
    expect(options).toMatchObject({ keep: 0.25, blockUntilAborted: false });
  });
});
