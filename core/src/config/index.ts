export { loadConfig, resolveTier, expandHome, type LoadConfigOptions, type LoadedConfig } from './load.js';
export { configSchema, type Config } from './schema.js';
export { TIER_PRESETS, DEFAULT_TIER_PRESET } from './tiers.js';
export { interpolateEnv } from './interpolate.js';
export { toConfigError } from './zod-errors.js';
