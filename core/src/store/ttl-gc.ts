import type { ArtifactStore, Clock, Logger } from '@neural-condense/sdk';
import { storeGcDeleted } from '../metrics.js';

export interface GcResult {
  scanned: number;
  deleted: number;
  failed: number;
}

/** Deletes every artifact older than `ttlMs`. One failed delete does not stop the run. */
export async function collectExpired(store: ArtifactStore, ttlMs: number, clock: Clock, logger: Logger): Promise<GcResult> {
  const cutoff = clock.now() - ttlMs;
  const result: GcResult = { scanned: 0, deleted: 0, failed: 0 };
  for await (const entry of store.list()) {
    result.scanned++;
    if (entry.lastModified > cutoff) continue;
    try {
      await store.delete(entry.key);
      result.deleted++;
      storeGcDeleted.inc();
    } catch (err) {
      result.failed++;
      logger.warn({ key: entry.key, err: (err as Error).message }, 'TTL delete failed');
    }
  }
  return result;
}

/** Runs `collectExpired` every `intervalMs`; returns a stop function. Runs never overlap. */
export function startTtlGc(store: ArtifactStore, ttlMs: number, intervalMs: number, clock: Clock, logger: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    collectExpired(store, ttlMs, clock, logger)
      .then((r) => r.deleted && logger.info(r, 'TTL cleanup'))
      .catch((err: Error) => logger.warn({ err: err.message }, 'TTL cleanup failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
