import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '@neural-condense/sdk';

/** Gives every request an id (or keeps the caller's `x-request-id`) and logs its outcome. */
export function requestLog(logger: Logger) {
  return async function logRequest(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('x-request-id');
    const id = /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
    ctx.state.requestId = id;
    ctx.set('x-request-id', id);
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round(performance.now() - started);
      if (ctx.path !== '/health' && ctx.path !== '/metrics') {
        logger.info({ requestId: id, method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
      }
    }
  };
}
