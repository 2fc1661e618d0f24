import { homedir } from 'node:os';
import { join } from 'node:path';

// Where models live on disk. Hugging Face repos use the Hub's own cache layout
// (`models--org--name/{blobs,snapshots,refs}`) so a cache shared with Python tools works.

/** The framework's cache root: `$CONDENSE_CACHE_DIR` or `~/.cache/neural-condense`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONDENSE_CACHE_DIR || join(homedir(), '.cache', 'neural-condense');
}

/** The Hub cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `<cacheDir>/hub`. */
export function hubCacheDir(cacheDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(cacheDir, 'hub');
}

/** Folder of one model repo inside the Hub cache (`models--org--name`). */
export function repoCacheFolder(hubDir: string, repoId: string): string {
  return join(hubDir, `models--${repoId.split('/').join('--')}`);
}

/** Checks a Hub repo id (`org/name`) and returns it, or throws naming the expected form. */
export function checkRepoId(repoId: string): string {
  if (!/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repoId) || repoId.includes('..')) {
    throw new Error(`'${repoId}' is not a Hugging Face repo id; expected 'organisation/name', e.g. mistralai/Mistral-7B-Instruct-v0.2`);
  }
  return repoId;
}
