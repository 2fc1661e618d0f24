import { z } from 'zod';
import { minerConfigSchema } from '../miner/config.js';

/** A plugin reference: npm package name or a path (relative to the config file), and its options. */
const pluginRef = (defaultPlugin: string) =>
  z
    .object({
      plugin: z.string().min(1).default(defaultPlugin),
      options: z.record(z.string(), z.unknown()).default({}),
    })
    .prefault({});

const tierOverride = z
  .object({
    output: z.enum(['kv-cache', 'text']),
    minCondensedTokens: z.coerce.number().int().min(0),
    maxCondensedTokens: z.coerce.number().int().min(1),
    maxContextChars: z.coerce.number().int().min(1),
    timeoutMs: z.coerce.number().int().min(1),
    targetModels: z.array(z.string().min(1)).min(1),
    compressRate: z.object({ min: z.number(), max: z.number() }),
    requestsPerEpoch: z.coerce.number().int().min(1),
  })
  .partial()
  .strict();

/** The whole config file. Every field has a default: an empty file is the embedded default. */
export const configSchema = z
  .object({
    /** The tier this miner serves (`--miner.tier`). */
    tier: z.string().min(1).default('research'),
    /** Which built-in tier table to start from: `documented` or `subnet-2025`. */
    tierPreset: z.string().default('documented'),
    /** Per-tier overrides (any field), or whole new tiers. */
    tiers: z.record(z.string(), tierOverride).default({}),
    compressor: pluginRef('@neural-condense/kvpress'),
    store: pluginRef('@neural-condense/storage-local'),
    backend: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.coerce.number().int().min(0).max(65535).default(8080),
        /** Base URL validators reach this server at (the local store's URLs start with it). */
        publicUrl: z.url({ protocol: /^https?$/ }).optional(),
        /** Largest accepted request body in bytes (a 20,000-character context is ~80 kB as JSON). */
        maxBodyBytes: z.coerce.number().int().positive().default(1_048_576),
        /** Requests that may wait for the compressor before new ones get 503. */
        maxQueue: z.coerce.number().int().min(0).default(8),
        /** How long shutdown waits for in-flight work. */
        shutdownGraceMs: z.coerce.number().int().min(0).default(30_000),
      })
      .strict()
      .prefault({}),
    artifacts: z
      .object({
        /** `.npy` element type; the validator converts to float32 after loading. */
        dtype: z.enum(['float16', 'float32']).default('float16'),
        /** Artifacts older than this are deleted (the original: one hour). */
        ttlSeconds: z.coerce.number().int().positive().default(3600),
        /** How often the TTL cleanup runs; 0 disables it. */
        gcIntervalSeconds: z.coerce.number().int().min(0).default(300),
      })
      .strict()
      .prefault({}),
    /** Models, built graphs and local artifacts live here. */
    cacheDir: z.string().optional(),
    /** Log level; default `$LOG_LEVEL` or `info`. */
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional() }).strict().prefault({}),
    miner: minerConfigSchema,
  })
  .strict();

export type Config = z.output<typeof configSchema>;
