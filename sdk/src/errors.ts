/**
 * Errors are values with a stable `code`; core maps codes to HTTP statuses in one place
 * (core/src/backend/middleware/errors.ts). Plugins throw these so a caller gets a precise
 * answer instead of a 500.
 */
export type ErrorCode =
  | 'bad_request'
  | 'context_too_long'
  | 'body_too_large'
  | 'unsupported_model'
  | 'queue_full'
  | 'deadline_exceeded'
  | 'aborted'
  | 'config_error'
  | 'plugin_load_error'
  | 'store_error'
  | 'compressor_error'
  | 'internal';

/** Base class of every error the framework understands. */
export class CondenseError extends Error {
  readonly code: ErrorCode;
  /** Extra structured detail safe to show a client. */
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { detail?: string; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.detail = options?.detail;
  }
}

/** The request is malformed (missing or mistyped fields). HTTP 400. */
export class BadRequestError extends CondenseError {
  constructor(message: string, detail?: string) {
    super('bad_request', message, { detail });
  }
}

/** The context is longer than the tier allows. HTTP 413. */
export class ContextTooLongError extends CondenseError {
  constructor(readonly chars: number, readonly maxChars: number) {
    super('context_too_long', `context has ${chars} characters; this tier accepts at most ${maxChars}`);
  }
}

/** The target model is not served by this miner. HTTP 422. */
export class UnsupportedModelError extends CondenseError {
  constructor(readonly model: string, readonly supported: readonly string[]) {
    super('unsupported_model', `target_model '${model}' is not supported; supported: ${supported.join(', ') || '(none)'}`);
  }
}

/** The request's deadline passed while queued or while compressing. HTTP 504. */
export class DeadlineExceededError extends CondenseError {
  constructor(message = 'deadline exceeded') {
    super('deadline_exceeded', message);
  }
}

/** A storage backend failed (upload, delete, list). HTTP 502 when it reaches a client. */
export class StoreError extends CondenseError {
  constructor(readonly store: string, message: string, cause?: unknown) {
    super('store_error', `[${store}] ${message}`, { cause });
  }
}

/** A compressor failed for a reason other than bad input. HTTP 500. */
export class CompressorError extends CondenseError {
  constructor(readonly compressor: string, message: string, cause?: unknown) {
    super('compressor_error', `[${compressor}] ${message}`, { cause });
  }
}

/** A configuration value is invalid. `path` is the dotted config path, e.g. `compressor.options.compressionRatio`. */
export class ConfigError extends CondenseError {
  constructor(readonly path: string, message: string, readonly source?: string) {
    super('config_error', `${source ? `${source}: ` : ''}${path ? `${path}: ` : ''}${message}`);
  }
}

/** A plugin could not be loaded or is incompatible. */
export class PluginLoadError extends CondenseError {
  constructor(readonly plugin: string, message: string, cause?: unknown) {
    super('plugin_load_error', `plugin '${plugin}': ${message}`, { cause });
  }
}

/** Throws a DeadlineExceededError (or the signal's reason) when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof CondenseError) throw reason;
  throw new DeadlineExceededError(reason instanceof Error ? reason.message : 'aborted');
}
