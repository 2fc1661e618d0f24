import { SingleBar, Presets } from 'cli-progress';
import type { Logger, ProgressReporter } from '@neural-condense/sdk';

/**
 * Long work (model download, graph build) reports progress here: a terminal bar when
 * stderr is a TTY, otherwise a structured log line every 10 %.
 */
export function createProgressReporter(logger: Logger, tty = process.stderr.isTTY === true): ProgressReporter {
  return {
    start(label, total) {
      if (tty) {
        const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total}`, stream: process.stderr }, Presets.shades_classic);
        bar.start(total, 0);
        return { advance: (by) => bar.increment(by), done: () => bar.stop() };
      }
      let value = 0;
      let nextLog = 0.1;
      logger.info({ task: label, total }, 'started');
      return {
        advance(by) {
          value += by;
          if (total > 0 && value / total >= nextLog) {
            logger.info({ task: label, done: value, total, percent: Math.floor((100 * value) / total) }, 'progress');
            nextLog = Math.floor((value / total) * 10) / 10 + 0.1;
          }
        },
        done: () => logger.info({ task: label, total }, 'finished'),
      };
    },
  };
}
