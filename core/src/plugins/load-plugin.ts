import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPlugin, PLUGIN_API_VERSION, PluginLoadError, SDK_VERSION, type CompressorPlugin, type Plugin, type StorePlugin } from '@neural-condense/sdk';
import { toConfigError } from '../config/zod-errors.js';

type KindMap = { compressor: CompressorPlugin; store: StorePlugin };

export interface LoadedPlugin<K extends keyof KindMap> {
  plugin: KindMap[K];
  /** Options validated (and defaulted) by the plugin's own schema. */
  options: unknown;
}

/**
 * Loads a plugin by npm package name or by path (relative to `baseDir`), checks it was
 * made by `definePlugin`, is of the expected kind and targets this SDK's API version,
 * then validates its options. `configPath` (e.g. `compressor`) prefixes error paths.
 */
export async function loadPlugin<K extends keyof KindMap>(
  spec: string,
  kind: K,
  rawOptions: unknown,
  { baseDir, configPath, source }: { baseDir: string; configPath: string; source?: string },
): Promise<LoadedPlugin<K>> {
  const plugin = await importPlugin(spec, baseDir);
  if (plugin.kind !== kind) throw new PluginLoadError(spec, `is a ${plugin.kind} plugin, but ${configPath}.plugin needs a ${kind} plugin`);
  if (plugin.apiVersion !== PLUGIN_API_VERSION) {
    throw new PluginLoadError(
      spec,
      `was built for plugin API version ${plugin.apiVersion}, but this core (SDK ${SDK_VERSION}) implements API version ${PLUGIN_API_VERSION}; ` +
        `install a version of the plugin built for API ${PLUGIN_API_VERSION}`,
    );
  }
  const parsed = plugin.options.safeParse(rawOptions ?? {});
  if (!parsed.success) throw toConfigError(parsed.error, `${configPath}.options`, source);
  return { plugin: plugin as KindMap[K], options: parsed.data };
}

async function importPlugin(spec: string, baseDir: string): Promise<Plugin> {
  const isPath = spec.startsWith('.') || isAbsolute(spec);
  const target = isPath ? pathToFileURL(resolve(baseDir, spec)).href : spec;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint =
      code === 'ERR_MODULE_NOT_FOUND' && !isPath ? ` (is it installed? try: npm install ${spec})` : code === 'ERR_MODULE_NOT_FOUND' ? ' (file not found)' : '';
    throw new PluginLoadError(spec, `cannot be loaded${hint}: ${(err as Error).message}`, err);
  }
  const candidate = mod.default ?? mod.plugin;
  if (!isPlugin(candidate)) {
    throw new PluginLoadError(spec, 'does not export a plugin: its default export must be the result of definePlugin() from @neural-condense/sdk');
  }
  return candidate;
}
