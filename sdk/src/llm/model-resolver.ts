import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { BUILTIN_PREFIX, ensureBuiltinModel } from './builtin-model.js';
import { checkRepoId, hubCacheDir, repoCacheFolder } from './cache-dirs.js';

/** Where to look for models. */
export interface ResolveModelOptions {
  /** Framework cache root (built-in models, and the Hub cache unless HF_HUB_CACHE/HF_HOME say otherwise). */
  cacheDir: string;
  /** Hub cache directory; default from `hubCacheDir(cacheDir)`. */
  hubDir?: string;
  /** Branch, tag or commit of a Hub repo. Default `main`. */
  revision?: string;
}

/**
 * Turns a model spec into a checkpoint directory: `builtin:<name>` (generated on first
 * use), a local directory, or a Hugging Face repo id already pulled into the Hub cache.
 */
export async function resolveModel(spec: string, options: ResolveModelOptions): Promise<string> {
  if (spec.startsWith(BUILTIN_PREFIX)) return ensureBuiltinModel(options.cacheDir, spec.slice(BUILTIN_PREFIX.length));
  const local = resolve(spec);
  if (await isDir(local)) return local;
  if (isAbsolute(spec) || spec.startsWith('.')) {
    throw new ConfigError('model', `model directory ${local} does not exist`);
  }
  let repoId: string;
  try {
    repoId = checkRepoId(spec);
  } catch {
    throw new ConfigError('model', `'${spec}' is neither builtin:<name>, an existing directory, nor a Hugging Face repo id (org/name)`);
  }
  const snapshot = await findSnapshot(options.hubDir ?? hubCacheDir(options.cacheDir), repoId, options.revision ?? 'main');
  if (!snapshot) {
    throw new ConfigError('model', `${repoId} is not in the model cache; download it first with: condense models pull ${repoId}${options.revision && options.revision !== 'main' ? ` --revision ${options.revision}` : ''}`);
  }
  return snapshot;
}

/** The snapshot directory of a repo revision in a Hub cache, or undefined when absent. */
export async function findSnapshot(hubDir: string, repoId: string, revision: string): Promise<string | undefined> {
  const folder = repoCacheFolder(hubDir, repoId);
  const commit = /^[0-9a-f]{40}$/.test(revision)
    ? revision
    : await readFile(join(folder, 'refs', revision), 'utf8').then(
        (s) => s.trim(),
        () => undefined,
      );
  if (!commit) return undefined;
  const dir = join(folder, 'snapshots', commit);
  return (await isDir(dir)) ? dir : undefined;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
