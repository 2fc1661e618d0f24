import type { ArtifactStore, Clock, Logger } from '@neural-condense/sdk';
import { storeGcDeleted } from '../metrics.js';

export interface GcResult {
  scanned: number;
  deleted: number;
  failed: number;
}

/**
 * Deletes every artifact older than `ttlMs`: in one batch where the store has
 * `deleteMany` (the Hub spends one commit per call), else one by one, where one failed
 * delete does not stop the run.
 */
export async function collectExpired(store: ArtifactStore, ttlMs: number, clock: Clock, logger: Logger): Promise<GcResult> {
  const cutoff = clock.now() - ttlMs;
  const result: GcResult = { scanned: 0, deleted: 0, failed: 0 };
  const expired: string[] = [];
  for await (const entry of store.list()) {
    result.scanned++;
    if (entry.lastModified <= cutoff) expired.push(entry.key);
  }
  if (expired.length === 0) return result;
  if (store.deleteMany) {
    try {
      await store.deleteMany(expired);
      result.deleted = expired.length;
    } catch (err) {
      result.failed = expired.length;
      logger.warn({ keys: expired.length, err: (err as Error).message }, 'TTL batch delete failed');
    }
  } else {
    for (const key of expired) {
      try {
        await store.delete(key);
        result.deleted++;
      } catch (err) {
        result.failed++;
        logger.warn({ key, err: (err as Error).message }, 'TTL delete failed');
      }
    }
  }
  storeGcDeleted.inc(result.deleted);
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
