import type { Context, Next } from 'koa';
import { CondenseError, type ErrorCode, type Logger } from '@neural-condense/sdk';

/** The one place error codes become HTTP statuses. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  context_too_long: 413,
  body_too_large: 413,
  unsupported_model: 422,
  queue_full: 503,
  deadline_exceeded: 504,
  aborted: 499,
  config_error: 500,
  plugin_load_error: 500,
  store_error: 502,
  compressor_error: 500,
  internal: 500,
};

/** Error body of every failed request. */
export interface ErrorBody {
  error: ErrorCode | 'not_found' | 'method_not_allowed' | 'unsupported_media_type' | 'forbidden';
  detail: string;
}

/** Maps thrown errors to `{error, detail}` JSON. 5xx details stay generic unless the error is ours. */
export function errorMapper(logger: Logger) {
  return async function mapErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.body === undefined && ctx.method !== 'HEAD') {
        if (ctx.status === 404) {
          ctx.status = 404;
          ctx.body = { error: 'not_found', detail: `no route for ${ctx.method} ${ctx.path}` } satisfies ErrorBody;
        } else if (ctx.status === 405) {
          ctx.status = 405;
          ctx.body = { error: 'method_not_allowed', detail: `${ctx.method} is not allowed on ${ctx.path}` } satisfies ErrorBody;
        }
      }
    } catch (err) {
      const { status, body } = toErrorResponse(err);
      if (status >= 500) logger.error({ err: { message: (err as Error).message, stack: (err as Error).stack }, path: ctx.path }, 'request failed');
      ctx.status = status;
      ctx.body = body;
    }
  };
}

export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof CondenseError) {
    return { status: STATUS_BY_CODE[err.code], body: { error: err.code, detail: err.detail ? `${err.message}; ${err.detail}` : err.message } };
  }
  // Errors from the body parser (raw-body / co-body) carry an HTTP status and a type.
  const e = err as { status?: number; type?: string; message?: string };
  if (e.status === 413 || e.type === 'entity.too.large') return { status: 413, body: { error: 'body_too_large', detail: e.message ?? 'request body too large' } };
  if (e.status === 400 || e.type === 'entity.parse.failed') return { status: 400, body: { error: 'bad_request', detail: `malformed JSON body: ${e.message ?? ''}`.trim() } };
  if (e.status === 415) return { status: 415, body: { error: 'unsupported_media_type', detail: e.message ?? 'unsupported media type' } };
  return { status: 500, body: { error: 'internal', detail: 'internal error; see the server log' } };
}
