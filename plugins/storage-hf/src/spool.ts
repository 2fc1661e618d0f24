import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A body written to disk, readable as a Blob as often as the Hub client needs. */
export interface SpooledBody {
  blob: Blob;
  remove(): Promise<void>;
}

/**
 * Writes the body to a temp file. The LFS protocol names an object by its SHA-256 and the
 * preupload call wants its first 512 bytes, so the Hub client reads the content more than
 * once: spooling to disk keeps memory flat where buffering would hold the whole cache.
 */
export async function spoolToDisk(dir: string, body: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<SpooledBody> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${randomBytes(8).toString('hex')}.part`);
  const remove = () => rm(path, { force: true });
  try {
    await pipeline(Readable.from(body), createWriteStream(path), ...(signal ? [{ signal }] : []));
    return { blob: await openAsBlob(path), remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
