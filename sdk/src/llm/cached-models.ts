import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTIN_MODELS, BUILTIN_PREFIX } from './builtin-model.js';

/** A model found in the caches. */
export interface CachedModel {
  /** What to write in config: `builtin:<name>` or the repo id. */
  spec: string;
  kind: 'builtin' | 'hub';
  /** Revisions (refs) pointing at a pulled snapshot, e.g. `main -> 0123abcd`. */
  refs: Record<string, string>;
  /** Bytes on disk (blobs; for built-ins the generated directory), 0 when not generated yet. */
  bytes: number;
  dir: string | null;
}

/** Lists built-in models and the model repos in a Hub cache (complete pulls only: those with a ref). */
export async function listCachedModels(cacheDir: string, hubDir: string): Promise<CachedModel[]> {
  const out: CachedModel[] = [];
  for (const [name, { revision }] of Object.entries(BUILTIN_MODELS)) {
    const dir = join(cacheDir, 'builtin', `${name}-r${revision}`);
    const bytes = await dirBytes(dir);
    out.push({ spec: BUILTIN_PREFIX + name, kind: 'builtin', refs: {}, bytes, dir: bytes > 0 ? dir : null });
  }
  const repos = await readdir(hubDir).catch(() => [] as string[]);
  for (const folder of repos.sort()) {
    if (!folder.startsWith('models--')) continue;
    const repoDir = join(hubDir, folder);
    const refs: Record<string, string> = {};
    for (const ref of await readdir(join(repoDir, 'refs')).catch(() => [] as string[])) {
      refs[ref] = (await readFile(join(repoDir, 'refs', ref), 'utf8')).trim();
    }
    if (Object.keys(refs).length === 0) continue;
    const main = refs.main ?? Object.values(refs)[0];
    out.push({
      spec: folder.slice('models--'.length).split('--').join('/'),
      kind: 'hub',
      refs,
      bytes: await dirBytes(join(repoDir, 'blobs')),
      dir: join(repoDir, 'snapshots', main),
    });
  }
  return out;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const s = await lstat(join(dir, f));
    total += s.isDirectory() ? await dirBytes(join(dir, f)) : s.isFile() ? s.size : (await stat(join(dir, f)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
