import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { downloadFile, HubApiError, listFiles, modelInfo, type ListFileEntry } from '@huggingface/hub';
import { ConfigError, throwIfAborted } from '../errors.js';
import { silentLogger, silentProgress, type Logger, type ProgressReporter } from '../logger.js';
import { checkRepoId, hubCacheDir, repoCacheFolder } from './cache-dirs.js';

// Downloads the files a checkpoint needs from the Hugging Face Hub into the Hub's cache
// layout: blobs/<etag> holds the bytes, snapshots/<commit>/<path> links to them, and
// refs/<revision> names the commit once every file is in place (so a half-finished pull is
// never resolved). A blob is written as <blob>.incomplete first; a later attempt resumes it
// with an HTTP Range request, and the finished bytes are checked against the Hub's hash.

/** Options of `pullModel`. */
export interface PullModelOptions {
  /** Framework cache root; the Hub cache is `hubCacheDir(cacheDir)` unless `hubDir` is given. */
  cacheDir: string;
  hubDir?: string;
  /** Branch, tag or commit. Default `main`. */
  revision?: string;
  /** Hub access token for private or gated repos. Default `$HF_TOKEN`. */
  token?: string;
  /** Hub base URL. Default `$HF_ENDPOINT` or https://huggingface.co. */
  hubUrl?: string;
  progress?: ProgressReporter;
  logger?: Logger;
  signal?: AbortSignal;
  /** Times a broken transfer is resumed within one call before giving up. Default 3. */
  retries?: number;
  /** fetch implementation (tests, proxies). */
  fetch?: typeof fetch;
}

/** One file of a pulled snapshot. */
export interface PulledFile {
  path: string;
  size: number;
  /** False when the blob was already in the cache. */
  downloaded: boolean;
}

/** What `pullModel` produced. */
export interface PullModelResult {
  repoId: string;
  commit: string;
  /** Snapshot directory: a checkpoint directory `loadCheckpoint` reads. */
  dir: string;
  files: PulledFile[];
}

/** Whether a repo file is part of what a checkpoint needs (config, tokenizer, safetensors weights). */
export function isCheckpointFile(path: string): boolean {
  if (path.includes('/')) return false;
  return (
    ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors.index.json'].includes(path) ||
    path.endsWith('.safetensors')
  );
}

/** Downloads (or completes) a model repo's checkpoint files into the Hub cache and returns the snapshot. */
export async function pullModel(repoId: string, options: PullModelOptions): Promise<PullModelResult> {
  checkRepoId(repoId);
  const revision = options.revision ?? 'main';
  const token = options.token ?? process.env.HF_TOKEN ?? undefined;
  if (token && !token.startsWith('hf_')) throw new ConfigError('HF_TOKEN', 'a Hugging Face access token starts with "hf_"; create one at https://huggingface.co/settings/tokens');
  const hubUrl = (options.hubUrl ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');
  const logger = options.logger ?? silentLogger;
  const baseFetch = options.fetch ?? fetch;
  const signal = options.signal;
  const hubFetch: typeof fetch = (input, init) => baseFetch(input, { ...init, signal });
  const common = { hubUrl, accessToken: token, fetch: hubFetch };
  const folder = repoCacheFolder(options.hubDir ?? hubCacheDir(options.cacheDir), repoId);

  const commit = /^[0-9a-f]{40}$/.test(revision)
    ? revision
    : await explainHubErrors(repoId, revision, token, async () => (await modelInfo({ ...common, name: repoId, revision, additionalFields: ['sha'] })).sha);
  if (!commit) throw new Error(`the Hub did not return a commit for ${repoId}@${revision}`);

  const entries: ListFileEntry[] = [];
  await explainHubErrors(repoId, revision, token, async () => {
    for await (const e of listFiles({ ...common, repo: { type: 'model', name: repoId }, revision: commit, recursive: true })) {
      if (e.type === 'file' && isCheckpointFile(e.path)) entries.push(e);
    }
  });
  const names = entries.map((e) => e.path);
  if (!names.includes('config.json')) throw new ConfigError('model', `${repoId}@${revision} has no config.json; it is not a transformers checkpoint`);
  if (!names.some((n) => n.endsWith('.safetensors'))) {
    throw new ConfigError('model', `${repoId}@${revision} has no .safetensors weights (pytorch_model.bin is not supported); convert the checkpoint to safetensors first`);
  }

  const total = entries.reduce((s, e) => s + (e.lfs?.size ?? e.size), 0);
  const task = (options.progress ?? silentProgress).start(`${repoId}@${revision}`, total);
  const files: PulledFile[] = [];
  try {
    for (const entry of entries) {
      throwIfAborted(signal);
      const size = entry.lfs?.size ?? entry.size;
      const etag = entry.lfs?.oid ?? entry.oid;
      if (!etag) throw new Error(`the Hub listed ${entry.path} without a hash; cannot cache it`);
      const blob = join(folder, 'blobs', etag);
      const have = await stat(blob).then((s) => s.size, () => -1);
      let downloaded = false;
      if (have === size) {
        task.advance(size);
      } else {
        await mkdir(dirname(blob), { recursive: true });
        logger.info({ repo: repoId, file: entry.path, bytes: size }, 'downloading');
        await downloadBlob({ repoId, commit, entry, size, blob, common, task, logger, signal, retries: options.retries ?? 3 });
        downloaded = true;
      }
      await linkInto(join(folder, 'snapshots', commit, entry.path), blob);
      files.push({ path: entry.path, size, downloaded });
    }
  } finally {
    task.done();
  }
  if (revision !== commit) {
    await mkdir(join(folder, 'refs'), { recursive: true });
    await writeFile(join(folder, 'refs', revision), commit);
  }
  return { repoId, commit, dir: join(folder, 'snapshots', commit), files };
}

interface BlobJob {
  repoId: string;
  commit: string;
  entry: ListFileEntry;
  size: number;
  blob: string;
  common: { hubUrl: string; accessToken: string | undefined; fetch: typeof fetch };
  task: { advance(by: number): void };
  logger: Logger;
  signal: AbortSignal | undefined;
  retries: number;
}

/** Downloads one blob into `<blob>.incomplete`, resuming what is there, then verifies and renames it. */
async function downloadBlob(job: BlobJob): Promise<void> {
  const incomplete = `${job.blob}.incomplete`;
  let offset = await stat(incomplete).then((s) => s.size, () => 0);
  if (offset > job.size) {
    await rm(incomplete, { force: true });
    offset = 0;
  }
  if (offset > 0) job.logger.info({ file: job.entry.path, offset }, 'resuming download');
  job.task.advance(offset);
  for (let attempt = 0; ; attempt++) {
    try {
      offset = await transfer(job, incomplete, offset);
      if (offset === job.size) break;
      throw new Error(`transfer ended at byte ${offset} of ${job.size}`);
    } catch (e) {
      // What reached the disk before the break is kept; resume from there.
      offset = await stat(incomplete).then((s) => s.size, () => 0);
      if (e instanceof ConfigError || job.signal?.aborted || attempt >= job.retries) {
        if (job.signal?.aborted) throwIfAborted(job.signal);
        throw e instanceof ConfigError ? e : new Error(`downloading ${job.entry.path} of ${job.repoId} failed at byte ${offset} of ${job.size}: ${(e as Error).message}. Run the pull again to resume.`, { cause: e });
      }
      job.logger.warn({ file: job.entry.path, offset, attempt: attempt + 1 }, 'transfer interrupted; resuming');
    }
  }
  await verifyHash(incomplete, job.entry, job.size);
  await rename(incomplete, job.blob);
}

/** Appends the bytes from `offset` on to the partial file; returns the new size. */
async function transfer(job: BlobJob, incomplete: string, offset: number): Promise<number> {
  if (offset === job.size) return offset;
  const blob = await explainHubErrors(job.repoId, job.commit, job.common.accessToken, () =>
    downloadFile({ ...job.common, repo: { type: 'model', name: job.repoId }, path: job.entry.path, revision: job.commit, xet: false }),
  );
  if (!blob) throw new ConfigError('model', `${job.entry.path} disappeared from ${job.repoId}@${job.commit}`);
  if (blob.size !== job.size) throw new Error(`the Hub serves ${job.entry.path} with ${blob.size} bytes, but listed ${job.size}`);
  // A WebBlob slice is fetched with `Range: bytes=offset-(size-1)`.
  const reader = (offset > 0 ? blob.slice(offset) : blob).stream().getReader();
  const fh = await open(incomplete, 'a');
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await fh.write(value);
      offset += value.byteLength;
      job.task.advance(value.byteLength);
    }
  } finally {
    await fh.close();
    reader.releaseLock();
  }
  return offset;
}

/** LFS files are named by the sha256 of their bytes, others by their git blob sha1. */
async function verifyHash(file: string, entry: ListFileEntry, size: number): Promise<void> {
  let hash: Hash;
  let expected: string;
  if (entry.lfs) {
    hash = createHash('sha256');
    expected = entry.lfs.oid;
  } else {
    hash = createHash('sha1').update(`blob ${size}\0`);
    expected = entry.oid ?? '';
  }
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  if (actual !== expected) {
    await rm(file, { force: true });
    throw new Error(`${entry.path}: downloaded bytes hash to ${actual}, the Hub says ${expected}; the partial file was removed, run the pull again`);
  }
}

/** Points a snapshot path at its blob with a relative symlink, as the Hub cache does. */
async function linkInto(pointer: string, blob: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const target = relative(dirname(pointer), blob);
  const current = await readlink(pointer).catch(() => undefined);
  if (current === target) return;
  await rm(pointer, { force: true });
  await symlink(target, pointer);
}

/** Runs a Hub call, turning 401/403/404 into messages that say what to do. */
async function explainHubErrors<T>(repoId: string, revision: string, token: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof HubApiError) {
      if (e.statusCode === 401 || e.statusCode === 403) {
        throw new ConfigError(
          'HF_TOKEN',
          token
            ? `the Hub refused the token for ${repoId} (HTTP ${e.statusCode}); check that it can read this repo and that you accepted its licence on the model page`
            : `${repoId} needs authentication (HTTP ${e.statusCode}): it is private, gated or does not exist. Set HF_TOKEN to a token that can read it`,
        );
      }
      if (e.statusCode === 404) {
        throw new ConfigError('model', `${repoId}@${revision} was not found on the Hub (HTTP 404); check the repo id and revision`);
      }
      throw new Error(`the Hub answered HTTP ${e.statusCode} for ${repoId}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
