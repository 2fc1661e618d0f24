import { Readable } from 'node:stream';
import { exactSize, StoreError } from '@neural-condense/sdk';

/**
 * Turns a put's body into the Node stream lib-storage reads, checking its size and
 * failing it as soon as `signal` fires, even while the source is stalled. Failing the
 * *body* (rather than calling `Upload.abort()`) makes lib-storage finish its in-flight
 * parts and send AbortMultipartUpload before `done()` rejects, so nothing is left when
 * `put` returns.
 */
export function abortableBody(body: AsyncIterable<Uint8Array>, size: number, store: string, signal?: AbortSignal): Readable {
  // objectMode with a high-water mark of 1 passes the encoder's views through uncopied
  // and reads at most one chunk ahead.
  return Readable.from(untilAborted(exactSize(body, size, store), store, signal), { objectMode: true, highWaterMark: 1 });
}

async function* untilAborted(source: AsyncIterable<Uint8Array>, store: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new StoreError(store, 'upload aborted'));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {}); // observed through the race below
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // A stalled source cannot be awaited; ask it to stop and move on.
    it.return?.().catch(() => {});
  }
}
