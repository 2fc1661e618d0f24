import { createHash, randomUUID } from 'node:crypto';
import { access, copyFile, link, mkdir, open, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, ProgressReporter } from '../../logger.js';
import { CONVERTED_WEIGHTS_FILE, convertedBytes, type WeightPlan } from './weights.js';

// Built graphs live under <cacheDir>/graphs/<key>/ (model.onnx, weights.bin, shard links).
// A build happens in a private temp directory that is renamed into place in one step, so a
// reader never sees half a graph and concurrent builders of the same key cannot corrupt
// it: the first rename wins, the loser discards its copy.

/** File name of the graph inside its cache directory. */
export const MODEL_FILE = 'model.onnx';

/** A graph ready to load. */
export interface CachedGraph {
  key: string;
  dir: string;
  modelPath: string;
  /** True when this call built it, false on a cache hit. */
  built: boolean;
}

/** What a build produces: model bytes and the weights it needs on disk. */
export interface GraphBuild {
  model: Uint8Array;
  plan: WeightPlan;
  /** Small JSON-able description written as build.json (for humans and `doctor`). */
  info: Record<string, unknown>;
}

/** The cache key: sha256 of canonical JSON of everything that determines the graph bytes. */
export function graphCacheKey(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex').slice(0, 32);
}

/** Identity of checkpoint files for the cache key: name, size and mtime, without reading them. */
export async function fileFingerprints(files: readonly string[]): Promise<{ file: string; size: number; mtimeMs: number }[]> {
  const unique = [...new Set(files)].sort();
  return Promise.all(
    unique.map(async (file) => {
      const s = await stat(file);
      return { file, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) };
    }),
  );
}

/** Returns the cached graph for `key`, building it with `build()` when absent. */
export async function ensureCachedGraph(options: {
  cacheDir: string;
  key: string;
  build: () => GraphBuild | Promise<GraphBuild>;
  logger: Logger;
  progress: ProgressReporter;
}): Promise<CachedGraph> {
  const { cacheDir, key, logger } = options;
  const root = join(cacheDir, 'graphs');
  const dir = join(root, key);
  const modelPath = join(dir, MODEL_FILE);
  if (await exists(modelPath)) {
    logger.debug({ key, dir }, 'graph cache hit');
    return { key, dir, modelPath, built: false };
  }

  await mkdir(root, { recursive: true });
  const tmp = join(root, `.tmp-${key}-${process.pid}-${randomUUID().slice(0, 8)}`);
  await mkdir(tmp);
  try {
    const started = Date.now();
    const { model, plan, info } = await options.build();
    await placeShards(tmp, plan, logger);
    await writeConverted(tmp, plan, options.progress);
    await writeFile(join(tmp, MODEL_FILE), model);
    await writeFile(join(tmp, 'build.json'), `${JSON.stringify({ key, ...info, referencedBytes: plan.referencedBytes, convertedBytes: plan.convertedBytes }, null, 2)}\n`);
    try {
      await rename(tmp, dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      logger.debug({ key }, 'graph built concurrently by another process; using theirs');
      await rm(tmp, { recursive: true, force: true });
      return { key, dir, modelPath, built: false };
    }
    logger.info(
      { key, dir, ms: Date.now() - started, modelBytes: model.byteLength, referencedBytes: plan.referencedBytes, convertedBytes: plan.convertedBytes },
      'built ONNX graph',
    );
    return { key, dir, modelPath, built: true };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function placeShards(dir: string, plan: WeightPlan, logger: Logger): Promise<void> {
  for (const { source, linkName } of plan.links) {
    // link(2) does not follow symlinks (the Hugging Face cache is made of them): link the real file.
    const real = await realpath(source);
    try {
      await link(real, join(dir, linkName));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw e;
      const { size } = await stat(real);
      logger.warn(
        { source: real, bytes: size, reason: code },
        'cannot hard-link the checkpoint into the graph cache (different filesystem?); copying it instead. Put the cache dir on the checkpoint\'s filesystem to avoid the copy',
      );
      await copyFile(real, join(dir, linkName));
    }
  }
}

async function writeConverted(dir: string, plan: WeightPlan, progress: ProgressReporter): Promise<void> {
  if (plan.converted.length === 0) return;
  const task = progress.start('converting weights', plan.convertedBytes);
  const fh = await open(join(dir, CONVERTED_WEIGHTS_FILE), 'w');
  try {
    for (const t of plan.converted) {
      const bytes = await convertedBytes(t);
      await fh.write(bytes, 0, bytes.byteLength, t.offset);
      task.advance(t.byteLength);
    }
  } finally {
    await fh.close();
    task.done();
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
