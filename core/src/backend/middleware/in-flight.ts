import type { Context, Next } from 'koa';
import type { ErrorBody } from './errors.js';

/**
 * Counts requests in progress. After `drain()` starts, new requests get 503 while the
 * ones already accepted run to completion; `drain()` resolves when none is left.
 */
export class InFlightTracker {
  private active = 0;
  private draining = false;
  private onIdle: (() => void) | undefined;

  readonly middleware = async (ctx: Context, next: Next): Promise<void> => {
    if (this.draining) {
      ctx.status = 503;
      ctx.set('Connection', 'close');
      ctx.body = { error: 'queue_full', detail: 'the server is shutting down' } satisfies ErrorBody;
      return;
    }
    this.active++;
    try {
      await next();
    } finally {
      this.active--;
      if (this.active === 0) this.onIdle?.();
    }
  };

  drain(): Promise<void> {
    this.draining = true;
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => (this.onIdle = resolve));
  }
}
