/** The logging surface plugins get: a subset of pino's, so core can hand over a pino child. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything; handy in tests. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** Time source, injectable so TTL and deadline logic can be tested without sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Progress reporting for long work (model download, graph build). Core renders it as a
 * terminal bar on a TTY and as structured logs otherwise.
 */
export interface ProgressReporter {
  start(label: string, total: number): ProgressTask;
}
export interface ProgressTask {
  advance(by: number): void;
  done(): void;
}
export const silentProgress: ProgressReporter = {
  start: () => ({ advance() {}, done() {} }),
};
