import type { Logger } from '@neural-condense/sdk';

/**
 * On SIGINT/SIGTERM runs `close` once (graceful shutdown), then exits 0, or 1 if closing
 * failed. A second signal while closing is ignored: pm2 and systemd send one.
 */
export function closeOnSignals(logger: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
