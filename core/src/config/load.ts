import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, join, resolve, dirname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, type TierSpec } from '@neural-condense/sdk';
import { interpolateEnv } from './interpolate.js';
import { configSchema, type Config } from './schema.js';
import { TIER_PRESETS } from './tiers.js';
import { toConfigError } from './zod-errors.js';

export interface LoadConfigOptions {
  /** YAML or JSON file; absent means the embedded defaults. */
  file?: string;
  /** Values from command-line flags, by dotted config path; they win over the file. */
  overrides?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/** A validated config plus what was derived from it. */
export interface LoadedConfig {
  config: Config;
  /** The file it came from, if any (plugin paths are relative to its directory). */
  source?: string;
  /** Directory plugin paths resolve against. */
  baseDir: string;
  /** The active tier with overrides applied. */
  tier: TierSpec;
  cacheDir: string;
}

/** Loads, interpolates, overrides and validates the config. Errors name the config path. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const source = options.file ? resolve(options.file) : undefined;
  let raw: unknown = {};
  if (source) raw = parseConfigText(await readConfigFile(source), source);
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('', 'the config file must hold a mapping at the top level', source);
  let data = interpolateEnv(raw, env, [], source) as Record<string, unknown>;
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) data = setPath(data, path.split('.'), value);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) throw toConfigError(parsed.error, '', source);
  const config = parsed.data;
  const cacheDir = expandHome(config.cacheDir ?? env.CONDENSE_CACHE_DIR ?? join(homedir(), '.cache', 'neural-condense'));
  return { config, source, baseDir: source ? dirname(source) : process.cwd(), tier: resolveTier(config, source), cacheDir };
}

/** The active tier: preset table, then overrides from `tiers.<name>`. */
export function resolveTier(config: Config, source?: string): TierSpec {
  const preset = TIER_PRESETS[config.tierPreset];
  if (!preset) throw new ConfigError('tierPreset', `unknown tier preset '${config.tierPreset}'; known: ${Object.keys(TIER_PRESETS).join(', ')}`, source);
  const base = preset[config.tier];
  const override = config.tiers[config.tier];
  if (!base && !override) {
    const known = [...new Set([...Object.keys(preset), ...Object.keys(config.tiers)])];
    throw new ConfigError('tier', `unknown tier '${config.tier}' in preset '${config.tierPreset}'; known: ${known.join(', ')}`, source);
  }
  const merged = { ...(base ?? {}), ...(override ?? {}), name: config.tier } as Partial<TierSpec>;
  const missing = (['output', 'minCondensedTokens', 'maxCondensedTokens', 'maxContextChars', 'timeoutMs', 'targetModels', 'requestsPerEpoch'] as const).filter((k) => merged[k] === undefined);
  if (missing.length) throw new ConfigError(`tiers.${config.tier}`, `a new tier needs ${missing.join(', ')}`, source);
  const tier = merged as TierSpec;
  if (tier.minCondensedTokens > tier.maxCondensedTokens) {
    throw new ConfigError(`tiers.${config.tier}.minCondensedTokens`, `must not exceed maxCondensedTokens (${tier.maxCondensedTokens})`, source);
  }
  return tier;
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read config file: ${(err as Error).message}`, file);
  }
}

function parseConfigText(text: string, source: string): unknown {
  try {
    return extname(source) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
    throw new ConfigError('', `cannot parse${where}: ${(err as Error).message.split('\n')[0]}`, source);
  }
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...obj, [head]: value };
  const child = obj[head];
  const next = child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  return { ...obj, [head]: setPath(next, rest, value) };
}

/** Expands a leading `~` to the home directory. */
export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p;
}
