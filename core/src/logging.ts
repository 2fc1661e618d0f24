import { pino, type Logger as PinoLogger } from 'pino';
import type { Logger } from '@neural-condense/sdk';

export interface LoggingOptions {
  level?: string;
  /** Write to this fd or stream (default stdout). */
  destination?: NodeJS.WritableStream;
}

/**
 * Structured JSON logs (pino) on stderr, so commands whose stdout is data (`compress`,
 * `store gc`, `query`) stay pipeable. Key material and contexts are never logged.
 */
export function createLogger(options: LoggingOptions = {}): Logger & PinoLogger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return pino({ level, base: { app: 'condense' } }, options.destination ?? pino.destination(2));
}
