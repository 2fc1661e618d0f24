import type { Context, Next } from 'koa';
import type { Clock } from '@neural-condense/sdk';
import { axonState } from './respond.js';

/**
 * Gives the request an abort signal that fires at the synapse's `timeout` (counted from
 * arrival) or when the caller hangs up, so queued or running work stops instead of
 * answering nobody.
 */
export function deadline(options: { clock: Clock }) {
  return async function deadlineMiddleware(ctx: Context, next: Next): Promise<void> {
    const state = axonState(ctx);
    const remainingMs = Math.max(0, state.timeoutS * 1000 - (performance.now() - state.startedAt));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`synapse timeout of ${state.timeoutS}s passed`)), remainingMs);
    const onClose = () => {
      if (!ctx.res.writableFinished) controller.abort(new Error('caller closed the connection'));
    };
    ctx.res.once('close', onClose);
    state.signal = controller.signal;
    state.deadline = options.clock.now() + remainingMs;
    try {
      await next();
    } finally {
      clearTimeout(timer);
      ctx.res.off('close', onClose);
    }
  };
}
