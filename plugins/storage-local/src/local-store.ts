import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { StoreError, type ArtifactEntry, type ArtifactStore, type PutRequest, type ReadableArtifact, type StoredArtifact, throwIfAborted } from '@neural-condense/sdk';

/** Keys this store accepts: a plain file name ending in .npy (no path separators, no dot-files). */
const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.npy$/;
const TMP_DIR = '.incoming';

export interface LocalStoreOptions {
  /** Directory holding the artifacts. */
  dir: string;
  /** Public URL prefix the miner's HTTP server serves `dir` at, without trailing slash. */
  publicBaseUrl: string;
}

/**
 * Artifacts on the local disk, served by the miner's own HTTP server (`open`). Writes go
 * to a temp file in a sub-directory that is never served, then rename into place, so a
 * reader sees a whole file or none.
 */
export class LocalStore implements ArtifactStore {
  readonly name = 'local';
  private readonly tmpDir: string;

  constructor(private readonly options: LocalStoreOptions) {
    this.tmpDir = join(options.dir, TMP_DIR);
  }

  async init(): Promise<void> {
    try {
      await mkdir(this.options.dir, { recursive: true });
      // Leftovers of a crash mid-upload are never visible, but they take disk space.
      await rm(this.tmpDir, { recursive: true, force: true });
      await mkdir(this.tmpDir, { recursive: true });
    } catch (err) {
      throw new StoreError(this.name, `cannot use directory ${this.options.dir}: ${(err as Error).message}`, err);
    }
  }

  url(key: string): string {
    return `${this.options.publicBaseUrl}/${key}`;
  }

  async put({ key, body, size, signal }: PutRequest): Promise<StoredArtifact> {
    this.checkKey(key);
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${key}.${randomBytes(6).toString('hex')}.part`);
    let written = 0;
    async function* counted() {
      for await (const chunk of body) {
        written += chunk.length;
        yield chunk;
      }
    }
    try {
      await pipeline(Readable.from(counted()), createWriteStream(tmp), signal ? { signal } : {});
      if (written !== size) throw new Error(`body had ${written} bytes, expected ${size}`);
      await rename(tmp, join(this.options.dir, key));
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throwIfAborted(signal);
      throw new StoreError(this.name, `writing ${key} failed: ${(err as Error).message}`, err);
    }
    return { key, url: this.url(key), size };
  }

  async delete(key: string): Promise<void> {
    this.checkKey(key);
    await rm(join(this.options.dir, key), { force: true });
  }

  async *list(): AsyncIterable<ArtifactEntry> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StoreError(this.name, `listing ${this.options.dir} failed: ${(err as Error).message}`, err);
    }
    for (const key of names) {
      if (!KEY.test(key)) continue;
      const s = await stat(join(this.options.dir, key)).catch(() => undefined);
      if (s?.isFile()) yield { key, size: s.size, lastModified: s.mtimeMs };
    }
  }

  async open(key: string): Promise<ReadableArtifact | undefined> {
    if (!KEY.test(key)) return undefined;
    const path = join(this.options.dir, key);
    const s = await stat(path).catch(() => undefined);
    if (!s?.isFile()) return undefined;
    return { size: s.size, lastModified: s.mtimeMs, stream: () => createReadStream(path) };
  }

  private checkKey(key: string): void {
    if (!KEY.test(key)) throw new StoreError(this.name, `invalid key '${key}': expected a file name ending in .npy`);
  }
}
