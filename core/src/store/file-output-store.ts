import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore, PutRequest, StoredArtifact } from '@neural-condense/sdk';

/**
 * Writes the one artifact of `condense compress --out FILE` to FILE (temp + rename).
 * Not a plugin: it exists so the one-shot command runs the same pipeline as the backend.
 */
export class FileOutputStore implements ArtifactStore {
  readonly name = 'file';
  private readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  url(): string {
    return pathToFileURL(this.path).href;
  }

  async put({ key, body, size, signal }: PutRequest): Promise<StoredArtifact> {
    const tmp = `${this.path}.${process.pid}.part`;
    try {
      await pipeline(Readable.from(body), createWriteStream(tmp), signal ? { signal } : {});
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return { key, url: this.url(), size };
  }

  async delete(): Promise<void> {}

  async *list() {}
}
